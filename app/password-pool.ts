import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { WorkGate } from 'tessera-session/throttle'

// The worker runs scrypt synchronously on its own thread: the hashes then never occupy libuv's
// thread pool, where token signature checks, DNS lookups and file I/O wait their turn.
const WORKER = `
const { parentPort } = require('node:worker_threads')
const { scryptSync } = require('node:crypto')
parentPort.on('message', ({ id, password, salt, len, params }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), len, params)
    parentPort.postMessage({ id, key })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) })
  }
})`

interface Job {
  password: string
  salt: Buffer
  len: number
  params: object
  resolve: (key: Buffer) => void
  reject: (error: Error) => void
}

/**
 * scrypt on a few dedicated worker threads, one hash per worker at a time. Callers bound the
 * jobs in flight with {@link ScryptPool.gate}; the pool just runs them. `reserved` workers are
 * kept for priority hashes (known devices, signed-in users): a flood of strangers fills the
 * shared workers only, so a returning user's hash starts at once instead of after a stranger's.
 *
 * @example
 * const pool = new ScryptPool(1, 1)
 * const gate = pool.gate()
 * const key = await gate.run(() => pool.scrypt('password', salt, 32, params, true), true)
 */
export class ScryptPool {
  /** Workers in all: `shared + reserved`. */
  readonly size: number
  /** Workers only priority hashes may use. */
  readonly reserved: number
  readonly #idle: Worker[] = []
  readonly #reservedWorkers = new Set<Worker>()
  readonly #waiting: Job[] = []
  readonly #jobs = new Map<number, Job>()
  readonly #workers: Worker[] = []
  readonly #busy = new Map<Worker, number>()
  #next = 0

  /**
   * `shared` defaults to one thread fewer than the cores (at least one): the event loop keeps a
   * core. `reserved` (default 1) idles until a priority hash comes; it costs a thread, not CPU.
   */
  constructor(shared = Math.max(1, availableParallelism() - 1), reserved = 1) {
    this.size = shared + reserved
    this.reserved = reserved
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(WORKER, { eval: true })
      if (i >= shared) this.#reservedWorkers.add(w)
      w.unref()
      w.on('message', (m: { id: number; key?: Uint8Array; error?: string }) => {
        const job = this.#jobs.get(m.id)
        this.#jobs.delete(m.id)
        if (m.key) job?.resolve(Buffer.from(m.key))
        else job?.reject(new Error(m.error ?? 'scrypt failed'))
        this.#release(w)
      })
      // A crashed worker fails its own job; the pool goes on with the others.
      w.on('error', (error) => {
        const id = this.#busy.get(w)
        const job = id === undefined ? undefined : this.#jobs.get(id)
        if (id !== undefined) this.#jobs.delete(id)
        this.#busy.delete(w)
        job?.reject(error)
      })
      this.#workers.push(w)
      this.#idle.push(w)
    }
  }

  /**
   * The gate in front of this pool: one hash per worker, the reserved workers for priority
   * hashes only, four hashes per shared worker waiting in each line; past that, refused at once.
   */
  gate(): WorkGate {
    const waiting = 4 * (this.size - this.reserved)
    return new WorkGate({
      concurrency: this.size,
      reserved: this.reserved,
      queue: waiting,
      priorityQueue: waiting,
    })
  }

  /**
   * scrypt(password, salt) → `len` bytes, on a worker: a `priority` hash on a reserved worker
   * when one is idle, any other on a shared one (either takes the other kind's worker rather
   * than wait while it idles).
   */
  scrypt(
    password: string,
    salt: Buffer,
    len: number,
    params: object,
    priority = false,
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const job: Job = { password, salt, len, params, resolve, reject }
      const i = this.#idle.findIndex((w) => this.#reservedWorkers.has(w) === priority)
      const w = i >= 0 ? this.#idle.splice(i, 1)[0] : this.#idle.pop()
      if (w) this.#start(w, job)
      else this.#waiting.push(job)
    })
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()))
  }

  #start(w: Worker, job: Job): void {
    const id = this.#next++
    this.#jobs.set(id, job)
    this.#busy.set(w, id)
    // Referenced only while hashing: an idle pool never keeps the process alive, and a hash
    // in flight (say, seeding before the server listens) does.
    w.ref()
    const { password, salt, len, params } = job
    w.postMessage({ id, password, salt, len, params })
  }

  #release(w: Worker): void {
    this.#busy.delete(w)
    w.unref()
    const job = this.#waiting.shift()
    if (job) this.#start(w, job)
    else this.#idle.push(w)
  }
}

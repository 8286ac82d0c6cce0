import { configAssert, TesseraError } from '../core/errors.js'

/** Options of {@link WorkGate}. */
export interface WorkGateOptions {
  /** Tasks running at once (e.g. one per password-hashing worker). */
  concurrency: number
  /** Tasks allowed to wait; past this, more are refused at once. Default `concurrency`. */
  queue?: number
  /** Extra waiting places kept for priority tasks (known devices). Default `queue`. */
  priorityQueue?: number
}

interface Waiter {
  start: () => void
}

/**
 * A semaphore with a short, bounded queue for costly work such as password hashing: at most
 * `concurrency` tasks run, a few wait, and the rest are refused at once with
 * `ERR_TOO_MANY_REQUESTS` (status 503, `retryAfterSec`) instead of queueing for seconds behind
 * a flood. Priority tasks (a known device signing in) wait ahead of the others and have places
 * of their own, so a flood of strangers cannot fill the queue in front of them.
 *
 * @example
 * const gate = new WorkGate({ concurrency: 2, queue: 4 })
 * const ok = await gate.run(() => hasher.verify(password, stored), attempt.trusted)
 */
export class WorkGate {
  readonly #concurrency: number
  readonly #queue: number
  readonly #priorityQueue: number
  readonly #normal: Waiter[] = []
  readonly #priority: Waiter[] = []
  #running = 0

  constructor(options: WorkGateOptions) {
    const { concurrency, queue = concurrency, priorityQueue = queue } = options
    const ok = (n: unknown, min: number) => Number.isInteger(n) && (n as number) >= min
    configAssert(ok(concurrency, 1), 'WorkGate concurrency must be an integer of at least 1')
    configAssert(ok(queue, 0), 'WorkGate queue must be an integer of at least 0')
    configAssert(ok(priorityQueue, 0), 'WorkGate priorityQueue must be an integer of at least 0')
    this.#concurrency = concurrency
    this.#queue = queue
    this.#priorityQueue = priorityQueue
  }

  /** Tasks running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#normal.length + this.#priority.length }
  }

  /** Runs `task` when a place is free; refuses at once when the queue is full. */
  async run<T>(task: () => Promise<T>, priority = false): Promise<T> {
    if (this.#running >= this.#concurrency) {
      const line = priority ? this.#priority : this.#normal
      if (line.length >= (priority ? this.#priorityQueue : this.#queue))
        throw new TesseraError('ERR_TOO_MANY_REQUESTS', 'too many sign-ins in progress', {
          status: 503,
        })
      await new Promise<void>((start) => line.push({ start }))
    } else this.#running++
    try {
      return await task()
    } finally {
      // The place passes straight to the next waiter (priority first); `running` stays.
      const next = this.#priority.shift() ?? this.#normal.shift()
      if (next) next.start()
      else this.#running--
    }
  }
}

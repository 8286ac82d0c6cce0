import { storeUnavailable } from '../../core/errors.js'

interface Pending {
  at: number
  reject: (error: Error) => void
}

/**
 * Fails calls that wait longer than `ms` for Redis, and maps every failure to
 * `ERR_STORE_UNAVAILABLE`. node-redis's own command timeout stops counting once a command is
 * written, so a server that hangs with its connection open would otherwise hold requests
 * forever. One coarse timer checks every call (no timer per call: this is the hot path), so a
 * call fails between `ms` and 1.25 × `ms` after it started.
 *
 * @example
 * const watchdog = new Watchdog(2000)
 * const reply = await watchdog.guard(client.sendCommand(['PING']))
 */
export class Watchdog {
  readonly #ms: number
  readonly #pending = new Set<Pending>()
  #timer: NodeJS.Timeout | undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /** Resolves like `p`, or rejects with ERR_STORE_UNAVAILABLE on its failure or deadline. */
  guard<T>(p: Promise<T>): Promise<T> {
    this.#timer ??= setInterval(() => this.#sweep(), Math.max(10, this.#ms / 4)).unref()
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at: Date.now(), reject }
      this.#pending.add(entry)
      p.then(
        (value) => {
          this.#pending.delete(entry)
          resolve(value)
        },
        (error: unknown) => {
          this.#pending.delete(entry)
          reject(storeUnavailable(error))
        },
      )
    })
  }

  #sweep(): void {
    const oldest = Date.now() - this.#ms
    // A Set iterates in insertion order: the oldest calls come first.
    for (const entry of this.#pending) {
      if (entry.at > oldest) break
      this.#pending.delete(entry)
      entry.reject(storeUnavailable(new Error(`Redis did not answer within ${this.#ms} ms`)))
    }
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

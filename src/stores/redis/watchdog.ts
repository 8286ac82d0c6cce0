import { storeUnavailable } from '../../core/errors.js'

/** A call in flight: a fixed-shape node of the watchdog's list, oldest first. */
class Call {
  prev: Call | null = null
  next: Call | null = null
  constructor(
    readonly at: number,
    readonly reject: (error: Error) => void,
  ) {}
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
  // Calls in start order, in a list threaded through the calls themselves: adding and
  // removing one costs two pointer writes, and the sweep stops at the first young call.
  #head: Call | null = null
  #tail: Call | null = null
  #timer: NodeJS.Timeout | undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /**
   * Resolves like `p` (or with `map(value, arg)`, which spares the caller an async frame of
   * its own), or rejects with ERR_STORE_UNAVAILABLE on `p`'s failure or deadline. A value
   * `map` returns may be a promise, which the result then follows.
   */
  guard<T>(p: Promise<T>): Promise<T>
  guard<T, R>(
    p: Promise<T>,
    map: (value: T, arg: string) => R | Promise<R>,
    arg: string,
  ): Promise<R>
  guard<T, R>(
    p: Promise<T>,
    map?: (value: T, arg: string) => R | Promise<R>,
    arg = '',
  ): Promise<T | R> {
    this.#timer ??= setInterval(() => this.#sweep(), Math.max(10, this.#ms / 4)).unref()
    return new Promise<T | R>((resolve, reject) => {
      const call = this.#add(new Call(Date.now(), reject))
      p.then(
        (value) => {
          if (!this.#remove(call)) return
          if (!map) return resolve(value)
          try {
            resolve(map(value, arg))
          } catch (error) {
            reject(error)
          }
        },
        (error: unknown) => {
          if (this.#remove(call)) reject(storeUnavailable(error))
        },
      )
    })
  }

  #add(call: Call): Call {
    call.prev = this.#tail
    if (this.#tail) this.#tail.next = call
    else this.#head = call
    this.#tail = call
    return call
  }

  /** Unlinks `call`; false when the sweep already failed it. */
  #remove(call: Call): boolean {
    if (call.prev === null && this.#head !== call) return false
    if (call.prev) call.prev.next = call.next
    else this.#head = call.next
    if (call.next) call.next.prev = call.prev
    else this.#tail = call.prev
    call.prev = null
    call.next = null
    return true
  }

  #sweep(): void {
    const oldest = Date.now() - this.#ms
    for (let call = this.#head; call && call.at <= oldest; call = this.#head) {
      this.#remove(call)
      call.reject(storeUnavailable(new Error(`Redis did not answer within ${this.#ms} ms`)))
    }
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

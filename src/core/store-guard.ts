// Store outages, seen from the manager: every store call goes through here, so an outage is
// reported once (`store_unavailable`, critical) however many requests hit it, its recovery
// once (`store_recovered`), and callers always get `ERR_STORE_UNAVAILABLE`, never a driver error.
import { storeUnavailable, TesseraError } from './errors.js'
import type { SessionEvent } from './events.js'

/**
 * Fault handling for store calls: fails closed with `ERR_STORE_UNAVAILABLE` and reports each
 * outage and each recovery once.
 *
 * @example
 * const guard = new StoreGuard((event) => sessions.emit(event))
 * const record = await guard.call(() => store.get(id))
 */
export class StoreGuard {
  #down = false
  readonly #emit: (event: Omit<SessionEvent, 'time'>) => void

  constructor(emit: (event: Omit<SessionEvent, 'time'>) => void) {
    this.#emit = emit
  }

  /** Runs one store call: its result, or `ERR_STORE_UNAVAILABLE` when the store failed. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    let result: T
    try {
      result = await fn()
    } catch (error) {
      throw this.failed(error)
    }
    this.ok()
    return result
  }

  /** A store call answered: ends an outage, if one was on. */
  ok(): void {
    if (!this.#down) return
    this.#down = false
    this.#emit({ type: 'store_recovered', level: 'info' })
  }

  /** Records an outage (one event per outage) and returns the error to throw. */
  failed(error: unknown): unknown {
    if (error instanceof TesseraError && error.code !== 'ERR_STORE_UNAVAILABLE') return error
    if (!this.#down) {
      this.#down = true
      this.#emit({
        type: 'store_unavailable',
        level: 'critical',
        reason: error instanceof Error ? error.message : 'unknown',
      })
    }
    return storeUnavailable(error)
  }
}

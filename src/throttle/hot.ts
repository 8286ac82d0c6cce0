import type { ThrottleScope } from './throttle.js'

/** A remembered refusal: until when, which budget refused, and when to ask the store again. */
interface Hot {
  until: number
  scope: ThrottleScope
  recheck: number
}

/**
 * The hot-source short-circuit: refusals this process has just had from the counters, kept in
 * memory until their `Retry-After` (at most `maxMs`). A source that keeps trying while its
 * budget is spent is then refused from here, with no store round trip and no hash, so a flood
 * from one source costs the store one read per `maxMs` rather than one per try.
 *
 * Only refusals are kept, and a refused try changes nothing in the store, so a hit refuses
 * exactly what the store would refuse, except when another process resets the budget (a
 * success elsewhere): that is why entries last at most `maxMs`. Bounded: past `maxEntries`,
 * the oldest entry goes first.
 *
 * @example
 * const hot = new HotSources(10_000, 10_000)
 * hot.remember(key, 'account', now + retryAfterMs, now)
 * const h = hot.check(key, now) // { until, scope, recheck } or null
 */
export class HotSources {
  readonly #entries = new Map<string, Hot>()

  constructor(
    readonly maxMs: number,
    readonly maxEntries: number,
  ) {}

  /** The refusal remembered for `key`, or null when none lasts at `now`. */
  check(key: string, now: number): Hot | null {
    const hot = this.#entries.get(key)
    if (hot === undefined) return null
    if (hot.recheck > now) return hot
    this.#entries.delete(key)
    return null
  }

  /** Remembers that the counters refused `key` until `until`, for at most `maxMs`. */
  remember(key: string, scope: ThrottleScope, until: number, now: number): void {
    if (this.maxMs === 0) return
    this.#entries.delete(key)
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(key, { until, scope, recheck: Math.min(until, now + this.maxMs) })
  }

  /** Forgets `key` (its budget was reset or given a try back here). */
  forget(key: string): void {
    this.#entries.delete(key)
  }
}

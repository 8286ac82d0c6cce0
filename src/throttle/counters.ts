import type { Budget } from './budget.js'

/** What {@link AttemptCounters.take} decided. */
export interface TakeResult {
  /** True when the try was counted and may go ahead. */
  ok: boolean
  /** Tries counted for the key after this call. */
  count: number
  /** When refused: how long until a try can be counted, ms (at least 1). 0 when `ok`. */
  retryAfterMs: number
}

/**
 * Attempt counters shared by every app process: one implementation per backend (memory,
 * SQLite, Redis, Redis Cluster, PostgreSQL), each key changed by one atomic operation.
 * Keys are opaque strings made by the throttle (hashes, never a raw user name or address).
 * Instants come from the caller's clock, so every backend agrees with an injected one.
 *
 * @example
 * const r = await counters.take('acct:…', budget, Date.now())
 * if (!r.ok) reply429(Math.ceil(r.retryAfterMs / 1000))
 */
export interface AttemptCounters {
  /**
   * Counts one try on `key` if `budget` allows it at `nowMs` (see `waitBefore`), atomically:
   * a refused try changes nothing. A key untried for `budget.windowMs` starts again at zero.
   */
  take(key: string, budget: Budget, nowMs: number): Promise<TakeResult>
  /** Gives back one counted try (a try that never checked a password, or a success). */
  refund(key: string, nowMs: number): Promise<void>
  /** Forgets `key` (a success through it). */
  clear(key: string): Promise<void>
  /** Remembers that `key` happened, for `ttlMs` (a known account-and-address pair). */
  mark(key: string, ttlMs: number, nowMs: number): Promise<void>
  /** True while a {@link mark} of `key` lasts. */
  marked(key: string, nowMs: number): Promise<boolean>
  /** Releases what the counters opened (never the driver object you gave them). */
  close(): Promise<void>
}

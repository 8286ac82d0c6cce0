/**
 * One attempt budget: `attempts` free tries, then each further try waits twice as long as the
 * one before (from `backoffMs` up to `maxBackoffMs`) after the last counted try. A key nobody
 * tries for `windowMs` is forgotten. All durations in milliseconds.
 *
 * @example
 * const account: Budget = { attempts: 5, backoffMs: 1000, maxBackoffMs: 900_000, windowMs: 3_600_000 }
 */
export interface Budget {
  /** Tries allowed without any wait. */
  attempts: number
  /** The wait before the first try past the free ones; doubles with each try after it. */
  backoffMs: number
  /** The longest wait between two tries. At most `windowMs`. */
  maxBackoffMs: number
  /** How long after its last counted try a key is forgotten. */
  windowMs: number
}

// 2^32 × the largest allowed backoff (1 h) still fits an exact integer in SQL's 64 bits and in
// a double: the shift is capped so no backend overflows before `maxBackoffMs` caps the wait.
const MAX_SHIFT = 32

/**
 * How long after the last counted try the next one may start, when `count` tries are already
 * counted. Every counter backend computes exactly this (the conformance suite checks it).
 *
 * @example
 * waitBefore(5, { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 }) // 1000
 * waitBefore(7, { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 }) // 4000
 */
export function waitBefore(count: number, budget: Budget): number {
  if (count < budget.attempts) return 0
  const shift = Math.min(count - budget.attempts, MAX_SHIFT)
  return Math.min(budget.maxBackoffMs, budget.backoffMs * 2 ** shift)
}

/** The cap on the doubling exponent, shared with the SQL and Lua implementations. */
export const BACKOFF_MAX_SHIFT = MAX_SHIFT

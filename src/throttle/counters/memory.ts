import { configAssert } from '../../core/errors.js'
import { type Budget, waitBefore } from '../budget.js'
import type { AttemptCounters, TakeResult } from '../counters.js'
import { assertKnownKeys } from '../../internal/strict.js'

interface Entry {
  count: number
  lastAt: number
  expiresAt: number
}

/** Options of {@link memoryCounters}. */
export interface MemoryCountersOptions {
  /** Most keys held; past it the least recently written leaves first. Default 100 000. */
  maxKeys?: number
}

/**
 * Attempt counters in this process's memory: for one process, tests and the memory session
 * store. Several app processes need a shared backend (SQLite, Redis, PostgreSQL) instead.
 * Bounded: a flood of made-up user names evicts the oldest keys rather than growing memory.
 *
 * @example
 * const throttle = loginThrottle({ counters: memoryCounters(), deviceCookie: { secret } })
 */
export function memoryCounters(options: MemoryCountersOptions = {}): AttemptCounters {
  assertKnownKeys(options, ['maxKeys'], 'memoryCounters()')
  const maxKeys = options.maxKeys ?? 100_000
  configAssert(
    Number.isInteger(maxKeys) && maxKeys >= 1,
    'memoryCounters maxKeys must be a positive integer (default 100000)',
  )
  const map = new Map<string, Entry>()
  const live = (key: string, now: number): Entry | undefined => {
    const e = map.get(key)
    if (e !== undefined && e.expiresAt <= now) {
      map.delete(key)
      return undefined
    }
    return e
  }
  // Re-inserting moves a key to the end, so Map order is "least recently written first".
  const put = (key: string, e: Entry) => {
    map.delete(key)
    if (map.size >= maxKeys) map.delete(map.keys().next().value as string)
    map.set(key, e)
  }
  return {
    async take(key: string, budget: Budget, now: number): Promise<TakeResult> {
      const e = live(key, now)
      const count = e?.count ?? 0
      if (e !== undefined) {
        const readyAt = e.lastAt + waitBefore(count, budget)
        if (now < readyAt) return { ok: false, count, retryAfterMs: readyAt - now }
      }
      put(key, { count: count + 1, lastAt: now, expiresAt: now + budget.windowMs })
      return { ok: true, count: count + 1, retryAfterMs: 0 }
    },
    async refund(key: string, now: number): Promise<void> {
      const e = live(key, now)
      if (e !== undefined && e.count > 0) e.count -= 1
    },
    async clear(key: string): Promise<void> {
      map.delete(key)
    },
    async mark(key: string, ttlMs: number, now: number): Promise<void> {
      put(key, { count: 1, lastAt: now, expiresAt: now + ttlMs })
    },
    async marked(key: string, now: number): Promise<boolean> {
      return live(key, now) !== undefined
    },
    async close(): Promise<void> {
      map.clear()
    },
  }
}

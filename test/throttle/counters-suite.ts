import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { type Budget, waitBefore } from '../../src/throttle/budget.js'
import type { AttemptCounters } from '../../src/throttle/index.js'

const budget: Budget = { attempts: 3, backoffMs: 1000, maxBackoffMs: 8000, windowMs: 60_000 }

/**
 * The attempt-counter conformance cases: every backend must count, refuse, back off, forget,
 * refund and mark exactly alike, and count atomically under concurrent tries.
 *
 * @example
 * describeCounters('memory', async () => ({ counters: memoryCounters(), close: async () => {} }))
 */
export function describeCounters(
  name: string,
  open: () => Promise<{ counters: AttemptCounters; close: () => Promise<void> }>,
  run = true,
): void {
  describe.runIf(run)(`attempt counters on ${name}`, () => {
    // A fresh key per case, and the manual clock starts near the real time so the backend's
    // own expiry (Redis PEXPIRE, a cleanup only) agrees with the instants we pass.
    let n = 0
    const key = () => `case:${process.pid}:${Date.now()}:${n++}`
    const withCounters = (fn: (c: AttemptCounters) => Promise<void>) => async () => {
      const { counters, close } = await open()
      try {
        await fn(counters)
      } finally {
        await close()
      }
    }

    it(
      'counts the free tries, then refuses without counting and says how long to wait',
      withCounters(async (c) => {
        const k = key()
        const clock = manualClock(Date.now())
        for (let i = 1; i <= 3; i++)
          expect(await c.take(k, budget, clock.now())).toEqual({
            ok: true,
            count: i,
            retryAfterMs: 0,
          })
        clock.advance(400)
        expect(await c.take(k, budget, clock.now())).toEqual({
          ok: false,
          count: 3,
          retryAfterMs: 600,
        })
        expect(await c.take(k, budget, clock.now())).toEqual({
          ok: false,
          count: 3,
          retryAfterMs: 600,
        })
      }),
    )

    it(
      'doubles the wait after each counted try past the free ones, up to the longest wait',
      withCounters(async (c) => {
        const k = key()
        const clock = manualClock(Date.now())
        for (let i = 0; i < 3; i++) await c.take(k, budget, clock.now())
        const waits: number[] = []
        for (let i = 0; i < 5; i++) {
          const refused = await c.take(k, budget, clock.now())
          expect(refused.ok).toBe(false)
          waits.push(refused.retryAfterMs)
          clock.advance(refused.retryAfterMs - 1)
          expect((await c.take(k, budget, clock.now())).ok).toBe(false)
          clock.advance(1)
          expect((await c.take(k, budget, clock.now())).ok).toBe(true)
        }
        expect(waits).toEqual([1000, 2000, 4000, 8000, 8000])
        expect(waits).toEqual([3, 4, 5, 6, 7].map((count) => waitBefore(count, budget)))
      }),
    )

    it(
      'forgets a key once its window has passed since its last counted try',
      withCounters(async (c) => {
        const k = key()
        const clock = manualClock(Date.now())
        for (let i = 0; i < 3; i++) await c.take(k, budget, clock.now())
        clock.advance(budget.windowMs - 1)
        expect((await c.take(k, budget, clock.now())).ok).toBe(true)
        expect((await c.take(k, budget, clock.now())).ok).toBe(false)
        clock.advance(budget.windowMs)
        expect(await c.take(k, budget, clock.now())).toEqual({
          ok: true,
          count: 1,
          retryAfterMs: 0,
        })
      }),
    )

    it(
      'gives one try back on refund and forgets the key on clear',
      withCounters(async (c) => {
        const k = key()
        const clock = manualClock(Date.now())
        for (let i = 0; i < 3; i++) await c.take(k, budget, clock.now())
        await c.refund(k, clock.now())
        expect(await c.take(k, budget, clock.now())).toEqual({
          ok: true,
          count: 3,
          retryAfterMs: 0,
        })
        expect((await c.take(k, budget, clock.now())).ok).toBe(false)
        await c.clear(k)
        expect(await c.take(k, budget, clock.now())).toEqual({
          ok: true,
          count: 1,
          retryAfterMs: 0,
        })
        await c.refund(`${k}:never`, clock.now())
        expect((await c.take(`${k}:never`, budget, clock.now())).count).toBe(1)
      }),
    )

    it(
      'keeps a mark for its lifetime only',
      withCounters(async (c) => {
        const k = key()
        const clock = manualClock(Date.now())
        expect(await c.marked(k, clock.now())).toBe(false)
        await c.mark(k, 10_000, clock.now())
        clock.advance(9_999)
        expect(await c.marked(k, clock.now())).toBe(true)
        clock.advance(1)
        expect(await c.marked(k, clock.now())).toBe(false)
      }),
    )

    it(
      'counts exactly the free tries when 40 tries on one key race',
      withCounters(async (c) => {
        const k = key()
        const now = Date.now()
        const results = await Promise.all(Array.from({ length: 40 }, () => c.take(k, budget, now)))
        expect(results.filter((r) => r.ok)).toHaveLength(3)
        expect(results.filter((r) => !r.ok).every((r) => r.retryAfterMs === 1000)).toBe(true)
      }),
    )
  })
}

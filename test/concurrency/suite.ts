import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionStore } from '../../src/core/store.js'
import { KeySet } from '../../src/jwt/key-set.js'
import { checkInvariants } from './check.js'
import { steps } from './commands.js'
import { type Stats, World } from './world.js'

/**
 * Schedules per store: `CONCURRENCY_RUNS` (10 000 in `npm run verify:concurrency`), else the
 * suite's default (a few hundred: each store's file stays under a minute in `npm test`).
 */
const RUNS_FROM_ENV = process.env.CONCURRENCY_RUNS ? Number(process.env.CONCURRENCY_RUNS) : null
/** Steps per schedule. */
export const MAX_STEPS = Number(process.env.CONCURRENCY_STEPS ?? 12)

/** A backend under test; `close` removes whatever the suite left in it. */
export interface Backend {
  store: SessionStore
  close(): Promise<void>
}

/**
 * The model-based concurrency suite over one store: `RUNS` random schedules of concurrent
 * requests (logins, reads, writes, renewals, regenerations, logouts, revocations, password
 * changes, token logins and refreshes, clock moves), the invariants checked after every step.
 * `up` false (a missing service) skips loudly; the service gate has already thrown under CI.
 *
 * @example
 * concurrencySuite('memory', (clock) => ({ store: memoryStore({ clock }), close: async () => {} }))
 */
export function concurrencySuite(
  name: string,
  open: (clock: ReturnType<typeof manualClock>) => Backend | Promise<Backend>,
  up = true,
  defaultRuns = 200,
): void {
  const RUNS = RUNS_FROM_ENV ?? defaultRuns
  describe.runIf(up)(`concurrency model on ${name}`, () => {
    // One clock for the backend and every schedule; each schedule sets it to the real "now"
    // first (Redis expires keys by its own clock, so deadlines must lie in the real future).
    const clock = manualClock(Date.now())
    const keys = KeySet.generate('EdDSA', { clock })
    const stats: Stats = new Map()
    let backend: Backend
    beforeAll(async () => {
      backend = await open(clock)
    })
    afterAll(async () => {
      await backend?.close()
      const lines = [...stats].map(
        ([op, outcomes]) =>
          `  ${op.padEnd(10)} ${[...outcomes].map(([o, n]) => `${o} ${n}`).join(', ')}`,
      )
      console.info(`concurrency model on ${name}: ${RUNS} schedules\n${lines.join('\n')}`)
    })

    it(`keeps every invariant over ${RUNS} random schedules`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), steps(MAX_STEPS), async (s, cmds) => {
          clock.set(Date.now())
          const runId = randomBytes(4).toString('hex')
          const world = new World({ store: backend.store, clock, keys, s, runId, stats })
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds)
          await checkInvariants(world, 'at the end', true)
        }),
        { numRuns: RUNS, endOnFailure: process.env.CONCURRENCY_SHRINK === '0' },
      )
    }, 60_000 + RUNS * 1000)
  })
}

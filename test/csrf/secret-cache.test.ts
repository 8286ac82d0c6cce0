import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../../src/core/manager.js'
import { SESSION_ID } from '../../src/core/session.js'
import { CsrfGuard } from '../../src/csrf/guard.js'
import type { RequestContext } from '../../src/pipeline/types.js'
import { memoryStore } from '../../src/stores/memory/index.js'

// The guard keeps derived CSRF secrets by session id so a check costs no SHA-256; the cache
// must stay bounded (10 000 entries; when full it starts again empty) however many sessions
// pass through.
const BOUND = 10_000

describe('the CSRF secret cache', () => {
  const guard = new CsrfGuard({
    sessions: createSessions({ store: memoryStore({ quiet: true }) }),
    origins: ['https://bank.example'],
  })
  let derivations = 0
  // A stand-in request context: just the session surface the guard reads.
  const ctx = (i: number) =>
    ({
      session: {
        [SESSION_ID]: `id-${i}`,
        exists: true,
        ensure() {},
        deriveSecret() {
          derivations++
          return createHash('sha256').update(`session ${i}`).digest('base64url')
        },
      },
      locals: {},
    }) as unknown as RequestContext

  it('derives a session secret once while it is cached', () => {
    const token = guard.issue(ctx(0))
    expect(derivations).toBe(1)
    for (let k = 0; k < 5; k++) expect(guard.matches(ctx(0), token)).toBe(true)
    expect(derivations).toBe(1)
  })

  it('holds at most 10 000 secrets, starts again empty when full, and re-derives a dropped one', () => {
    const token0 = guard.issue(ctx(0))
    derivations = 0
    for (let i = 1; i < BOUND; i++) guard.matches(ctx(i), 'x')
    expect(derivations).toBe(BOUND - 1)
    // Full now (ids 0 … 9 999): all are still answered from the cache.
    expect(guard.matches(ctx(0), token0)).toBe(true)
    guard.matches(ctx(BOUND - 1), 'x')
    expect(derivations).toBe(BOUND - 1)
    // One more session empties it and is its only entry: even the newest, id 9 999, is gone
    // (an oldest-first eviction would have kept it).
    guard.matches(ctx(BOUND), 'x')
    expect(derivations).toBe(BOUND)
    guard.matches(ctx(BOUND), 'x')
    expect(derivations).toBe(BOUND)
    guard.matches(ctx(BOUND - 1), 'x')
    expect(derivations).toBe(BOUND + 1)
    // A dropped secret is derived again and still checks its tokens (it cannot go stale).
    expect(guard.matches(ctx(0), token0)).toBe(true)
    expect(derivations).toBe(BOUND + 2)
    guard.matches(ctx(1), 'x')
    expect(derivations).toBe(BOUND + 3)
    // …and both are cached again.
    guard.matches(ctx(0), 'x')
    guard.matches(ctx(1), 'x')
    expect(derivations).toBe(BOUND + 3)
  })
})

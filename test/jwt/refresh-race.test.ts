// Issue 12, case 9: a refresh whose read and write span other complete refreshes must not move
// the token family back a generation (the write is a compare-and-set on the record version).
import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionStore } from '../../src/core/store.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { harness } from './family.js'

/** The memory store, with the first `update` held until the test releases it. */
function gatedStore(clock: ReturnType<typeof manualClock>) {
  const inner = memoryStore({ clock, quiet: true })
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  let reached: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    reached = resolve
  })
  let first = true
  const store: SessionStore = Object.create(inner) as SessionStore
  store.update = async (id, patch) => {
    if (first) {
      first = false
      reached()
      await gate
    }
    return inner.update(id, patch)
  }
  return { store, release, held }
}

describe('refresh-token rotation under concurrency (issue 12, case 9)', () => {
  it('never moves the family back when a slow refresh spans two complete ones', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const { store, release, held } = gatedStore(clock)
    const { tokens, events } = harness(store, clock)
    const p0 = await tokens.issue({ userId: 'u1' })
    // A reads generation 0 and stalls before its write.
    const slow = tokens.refresh(p0.refresh_token, {}).then(
      (pair) => ({ pair }),
      (error: unknown) => ({ error }),
    )
    await held
    // The second refresh's update is released at once; it and a third complete.
    clock.advance(1000)
    const p1 = await tokens.refresh(p0.refresh_token, {})
    clock.advance(120_000)
    const p2 = await tokens.refresh(p1.refresh_token, {})
    release()
    const outcome = await slow
    expect('error' in outcome).toBe(true)
    // The family is still at generation 2: the newest token refreshes, nothing was revoked.
    const p3 = await tokens.refresh(p2.refresh_token, {})
    expect(typeof p3.access_token).toBe('string')
    expect(events.some((e) => e.type === 'authn_token_reuse')).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { runStoreConformance } from '../conformance/index.js'
import { memoryStore } from './index.js'

describe('memory store conformance', () => {
  const store = memoryStore({ quiet: true })
  runStoreConformance(it, () => ({ store, sweep: () => void store.sweep() }))
})

describe('memory store bounds', () => {
  it('never holds more than maxEntries sessions', async () => {
    const clock = manualClock()
    const store = memoryStore({ maxEntries: 3, clock, quiet: true })
    for (let i = 0; i < 10; i++) {
      const now = clock.now()
      await store.create({
        id: `id${i}`,
        handle: `h${i}`,
        userId: null,
        data: {},
        createdAt: now,
        lastSeenAt: now,
        renewedAt: now,
        authenticatedAt: null,
        idleExpiresAt: now + 1000,
        absoluteExpiresAt: now + 5000,
        meta: {},
        version: 1,
      })
    }
    expect(store.size).toBe(3)
    expect(await store.get('id9')).not.toBeNull()
    expect(await store.get('id0')).toBeNull()
    clock.advance(1000)
    expect(store.sweep()).toBe(3)
    expect(store.size).toBe(0)
    await store.close()
  })
})

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionRecord } from '../../src/core/record.js'
import type { SessionStore } from '../../src/core/store.js'
import { generateHandle, generateToken, hashToken } from '../../src/core/token.js'
import { nearCacheStats } from '../../src/stores/near-cache/index.js'
import { EventLog, pushed } from './events.js'

/** Two store instances on one backend, as two app processes would have them. */
export interface Pair {
  a: SessionStore
  b: SessionStore
  /** Cuts every invalidation connection of both stores (they reconnect by themselves). */
  kill(): Promise<void>
  close(): Promise<void>
}

/** A signed-in record with live deadlines. */
export const record = (userId: string, over: Partial<SessionRecord> = {}): SessionRecord => {
  const now = Date.now()
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId,
    data: { cart: ['apple'] },
    createdAt: now,
    lastSeenAt: now,
    renewedAt: now,
    authenticatedAt: now,
    idleExpiresAt: now + 600_000,
    absoluteExpiresAt: now + 3_600_000,
    meta: {},
    version: 1,
    ...over,
  }
}

const stats = (s: SessionStore) => {
  const found = nearCacheStats(s)
  if (!found) throw new Error('not a near-cached store')
  return found
}

/**
 * The near cache's cross-process guarantees on one backend: a change made through one store
 * is refused through the other once its invalidation arrives, and a lost channel empties the
 * cache. `open` gets the two event logs to pass as `nearCache.onEvent`.
 *
 * @example
 * nearCacheSuite('Redis', up, (logA, logB) => openPair(logA, logB))
 */
export function nearCacheSuite(
  name: string,
  up: boolean,
  open: (logA: EventLog, logB: EventLog) => Pair | Promise<Pair>,
): void {
  describe.runIf(up)(`the near cache on ${name}`, () => {
    const logA = new EventLog()
    const logB = new EventLog()
    let pair: Pair
    let a: SessionStore
    let b: SessionStore
    const user = () => `u-${randomBytes(4).toString('hex')}`
    /** A record created through A and read once through B (now cached there). */
    const cachedOnB = async (userId = user()) => {
      const r = record(userId)
      await a.create(r)
      // The creation's own push (Redis reports the new key) may still be on its way: a read
      // in flight when it lands is answered but not kept, so read until one is a hit.
      let hit = false
      for (let i = 0; i < 20 && !hit; i++) {
        const hits = stats(b).hits
        expect((await b.get(r.id))?.version).toBe(1)
        hit = stats(b).hits === hits + 1
      }
      expect(hit).toBe(true)
      return r
    }

    beforeAll(async () => {
      pair = await open(logA, logB)
      a = pair.a
      b = pair.b
      await Promise.all([logA.ready(), logB.ready()])
    })
    afterAll(async () => {
      await pair?.close()
    })

    it('serves a repeated read from memory, as a copy the caller may change', async () => {
      const r = await cachedOnB()
      const first = await b.get(r.id)
      ;(first!.data.cart as string[]).push('pear')
      expect((await b.get(r.id))?.data).toEqual({ cart: ['apple'] })
    })

    it('sees an update made by the other process once its invalidation arrives', async () => {
      const r = await cachedOnB()
      const arrived = logB.next(pushed(r.id))
      expect(await a.update(r.id, { set: { cart: ['plum'] } })).toBe(true)
      await arrived
      const now = await b.get(r.id)
      expect(now?.data).toEqual({ cart: ['plum'] })
      expect(now?.version).toBe(2)
    })

    it('refuses a session revoked by handle on the other process once the invalidation arrives', async () => {
      const r = await cachedOnB()
      const arrived = logB.next(pushed(r.id))
      expect((await a.destroyByHandle(r.handle))?.id).toBe(r.id)
      await arrived
      expect(await b.get(r.id)).toBeNull()
    })

    it('refuses a session logged out on the other process once the invalidation arrives', async () => {
      const r = await cachedOnB()
      const arrived = logB.next(pushed(r.id))
      expect((await a.destroy(r.id))?.id).toBe(r.id)
      await arrived
      expect(await b.get(r.id)).toBeNull()
    })

    it('stops serving the old record of a session renewed on the other process', async () => {
      const r = await cachedOnB()
      const next = record(r.userId!, { handle: r.handle })
      const arrived = logB.next(pushed(r.id))
      const result = await a.create(next, { replaces: r.id, expectVersion: 1 })
      expect(result.skipped).toBeFalsy()
      await arrived
      // Without a grace alias the old id names nothing; it never reads as the old record.
      expect(await b.get(r.id)).toBeNull()
    })

    it("ends the other sessions of a user's password change on the other process", async () => {
      const userId = user()
      const kept = await cachedOnB(userId)
      const ended = await cachedOnB(userId)
      const arrived = logB.next(pushed(ended.id))
      const gone = await a.destroyByUser(userId, { except: kept.id })
      expect(gone.map((g) => g.id)).toEqual([ended.id])
      await arrived
      expect(await b.get(ended.id)).toBeNull()
      expect((await b.get(kept.id))?.id).toBe(kept.id)
    })

    it("drops a process's own cached record as soon as its own write returns", async () => {
      const r = await cachedOnB()
      await b.update(r.id, { set: { cart: [] } })
      expect((await b.get(r.id))?.data).toEqual({ cart: [] })
      await b.destroy(r.id)
      expect(await b.get(r.id)).toBeNull()
    })

    it('empties the cache when the channel is lost and reads the store until it is back', async () => {
      const r = await cachedOnB()
      expect(stats(b).entries).toBeGreaterThan(0)
      const lost = logB.next((e) => e.type === 'down')
      const back = logB.next((e) => e.type === 'up')
      await pair.kill()
      await lost
      expect(stats(b).entries).toBe(0)
      // A write B may not hear (its channel is away): B's next read goes to the store.
      await a.update(r.id, { set: { cart: ['fig'] } })
      const before = stats(b)
      expect((await b.get(r.id))?.data).toEqual({ cart: ['fig'] })
      expect(stats(b).misses).toBe(before.misses + 1)
      expect(stats(b).hits).toBe(before.hits)
      await back
      // On a Cluster the kill reaches one master after another, so the channel may come back
      // and drop again while the later kills land: each round waits for it to be up, reads to
      // fill, and reads again. It must serve a hit within a few rounds once the kills are over.
      let served = false
      for (let round = 0; round < 10 && !served; round++) {
        await Promise.all([logA.ready(), logB.ready()])
        expect((await b.get(r.id))?.data).toEqual({ cart: ['fig'] })
        const hits = stats(b).hits
        await b.get(r.id)
        served = stats(b).hits === hits + 1
      }
      expect(served).toBe(true)
    })
  })
}

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionRecord } from '../../src/core/record.js'
import type { SessionStore } from '../../src/core/store.js'
import { generateHandle, generateToken, hashToken } from '../../src/core/token.js'
import type { RedisInspector } from '../services/redis-inspect.js'
import { raceRecord } from './record.js'
import { redisTopologies } from './topologies.js'

// Races the store must win on both topologies (the cluster runs them as ordered steps).
const topologies = await redisTopologies()

const record = raceRecord

for (const t of topologies) {
  describe.runIf(t.up)(`redis store races on ${t.name}`, () => {
    const prefix = `tessera-test:${randomBytes(4).toString('hex')}:`
    let store: SessionStore
    let redis: RedisInspector
    const zcard = async (userId: string) => {
      const key = `${prefix}u:{u${Buffer.from(userId).toString('hex')}}`
      return Number(await redis.send(key, ['ZCARD', key]))
    }
    beforeAll(async () => {
      store = t.store(prefix)
      redis = await t.inspect()
    })
    afterAll(async () => {
      await store.close()
      await redis.clear(prefix)
      await redis.close()
    })

    it('a touch racing the eviction of its session never brings it back', async () => {
      for (let round = 0; round < 20; round++) {
        const userId = `u-${randomBytes(4).toString('hex')}`
        const victim = record(userId, Date.now() - 10_000)
        await store.create(victim)
        const winner = record(userId)
        const later = Date.now() + 120_000
        await Promise.all([
          ...Array.from({ length: 5 }, () =>
            store.update(victim.id, {
              set: { k: round },
              lastSeenAt: Date.now(),
              idleExpiresAt: later,
            }),
          ),
          store.create(winner, { limit: { max: 1, policy: 'evict-oldest' } }),
        ])
        expect(await store.get(victim.id)).toBeNull()
        expect((await store.listByUser(userId)).map((s) => s.id)).toEqual([winner.id])
        expect(await zcard(userId)).toBe(1)
      }
    })

    it('concurrent rotations and logins of one user end with exactly the cap, all indexed', async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`
      const limit = { max: 3, policy: 'evict-oldest' as const }
      const first = [record(userId), record(userId), record(userId)]
      for (const r of first) await store.create(r, { limit })
      await Promise.all([
        ...first.map((old) =>
          store.create({ ...old, id: hashToken(generateToken()) }, { replaces: old.id, limit }),
        ),
        ...Array.from({ length: 10 }, () => store.create(record(userId), { limit })),
      ])
      // Ten logins under evict-oldest always succeed, so the cap is reached, never exceeded.
      const live = await store.listByUser(userId)
      expect(live).toHaveLength(3)
      for (const s of live) expect(await store.get(s.id)).not.toBeNull()
      for (const old of first) expect(await store.get(old.id)).toBeNull()
      // No live session key of this user is missing from its index.
      const dump = await redis.dump(`${prefix}s:`)
      const owned = [...dump].filter(([, v]) => v.includes(JSON.stringify(userId)))
      expect(owned.length).toBe(live.length)
    })

    it('revoke-all racing a touch of every session leaves nothing behind', async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`
      const rs = Array.from({ length: 8 }, () => record(userId))
      for (const r of rs) await store.create(r)
      const [ended] = await Promise.all([
        store.destroyByUser(userId),
        ...rs.map((r) =>
          store.update(r.id, { lastSeenAt: Date.now(), idleExpiresAt: Date.now() + 90_000 }),
        ),
      ])
      expect(ended).toHaveLength(8)
      for (const r of rs) expect(await store.get(r.id)).toBeNull()
      expect(await zcard(userId)).toBe(0)
    })

    it('revocation by handle ends the session found through its owner', async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`
      const r = record(userId)
      await store.create(r)
      const next = { ...r, id: hashToken(generateToken()) }
      await store.create(next, { replaces: r.id, graceUntil: Date.now() + 60_000 })
      expect((await store.get(r.id))?.id).toBe(next.id)
      expect((await store.destroyByHandle(r.handle))?.id).toBe(next.id)
      expect(await store.get(r.id)).toBeNull()
      expect(await store.get(next.id)).toBeNull()
      const handleKey = `${prefix}h:{${r.handle}}`
      expect(Number(await redis.send(handleKey, ['EXISTS', handleKey]))).toBe(0)
    })

    // Two stores = two connections, so the replacements really interleave on the server.
    const raceReplacements = async (bystanders: SessionRecord[]) => {
      const second = t.store(prefix)
      try {
        const userId = bystanders[0]?.userId ?? `u-${randomBytes(4).toString('hex')}`
        for (const b of bystanders) await store.create(b)
        const old = record(userId)
        await store.create(old)
        await store.update(old.id, { set: { step: 1 } })
        const successors = Array.from({ length: 20 }, (_, i) => ({
          ...record(userId),
          handle: i % 2 === 0 ? old.handle : generateHandle(),
        }))
        const results = await Promise.all(
          successors.map((s, i) =>
            (i % 2 === 0 ? store : second).create(s, {
              replaces: old.id,
              expectVersion: 2,
              limit: { max: bystanders.length + 1, policy: 'evict-oldest' },
              graceUntil: i % 4 < 2 ? Date.now() + 60_000 : undefined,
            }),
          ),
        )
        const won = successors.filter((_, i) => results[i]?.skipped !== true)
        expect(won).toHaveLength(1)
        for (const r of results) expect(r.evicted).toEqual([])
        const winner = won[0]!
        // The old token reads as the winner (through a grace alias) or as nothing.
        expect([null, winner.id]).toContain((await store.get(old.id))?.id ?? null)
        const oldKey = `${prefix}s:{${old.id}}`
        expect(Number(await redis.send(oldKey, ['EXISTS', oldKey]))).toBe(0)
        for (const s of successors)
          expect((await second.get(s.id))?.id ?? null).toBe(s === winner ? winner.id : null)
        const expected = [...bystanders.map((b) => b.id), winner.id].sort()
        const key = `${prefix}u:{u${Buffer.from(userId).toString('hex')}}`
        expect(((await redis.send(key, ['ZRANGE', key, '0', '-1'])) as string[]).sort()).toEqual(
          expected,
        )
        expect((await store.listByUser(userId)).map((s) => s.id).sort()).toEqual(expected)
        // Only the winner's handle key is left: no loser's, and not the old one if it changed.
        for (const handle of new Set([old.handle, ...successors.map((s) => s.handle)])) {
          const h = `${prefix}h:{${handle}}`
          expect(Number(await redis.send(h, ['EXISTS', h]))).toBe(handle === winner.handle ? 1 : 0)
        }
      } finally {
        await second.close()
      }
    }

    it('of 20 concurrent conditional replacements over two connections exactly one lives, alone in the index', async () => {
      await raceReplacements([])
    })

    it('concurrent replacements at the cap evict none of the user’s other sessions', async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`
      await raceReplacements([
        record(userId, Date.now() - 20_000),
        record(userId, Date.now() - 10_000),
      ])
    })

    it('a renewal racing a revocation leaves no alias that revives the revoked token', async () => {
      const r = record(`u-${randomBytes(4).toString('hex')}`)
      await store.create(r)
      await store.destroy(r.id)
      const next = { ...r, id: hashToken(generateToken()) }
      await store.create(next, { replaces: r.id, graceUntil: Date.now() + 60_000 })
      expect(await store.get(r.id)).toBeNull()
      const alias = `${prefix}a:{${r.id}}`
      expect(Number(await redis.send(alias, ['EXISTS', alias]))).toBe(0)
    })
  })
}

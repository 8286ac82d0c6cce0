import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { redisAnswers, serviceGate } from '../../../test/services/availability.js'
import { clusterNodes } from '../../../test/services/redis-cluster.js'
import { inspectRedis } from '../../../test/services/redis-inspect.js'
import type { SessionRecord } from '../../core/record.js'
import { generateHandle, generateToken, hashToken } from '../../core/token.js'
import { redisClusterStore, redisStore } from './index.js'

// The packed `$` field is edited by Lua with string operations and read by JS with
// JSON.parse: these tests hold the two readings together on real Redis, both topologies.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const targets = [
  {
    name: 'Redis',
    up: await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL)),
    store: (keyPrefix: string) => redisStore({ url: REDIS_URL, keyPrefix }),
    inspect: () => inspectRedis([REDIS_URL]),
  },
  {
    name: 'Redis Cluster',
    up: await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL)),
    store: (keyPrefix: string) =>
      redisClusterStore({ nodes: clusterNodes(CLUSTER_URL), keyPrefix }),
    inspect: () => inspectRedis(clusterNodes(CLUSTER_URL), true),
  },
]

const record = (over: Partial<SessionRecord> = {}): SessionRecord => {
  const now = Date.now()
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId: `u-${randomBytes(3).toString('hex')}`,
    data: { a: 1 },
    createdAt: now,
    lastSeenAt: now,
    renewedAt: now,
    authenticatedAt: null,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 3_600_000,
    meta: { ip: '192.0.2.1' },
    version: 1,
    ...over,
  }
}

for (const t of targets) {
  describe.runIf(t.up)(`the packed session field on ${t.name}`, async () => {
    const prefix = `tessera-test:${randomBytes(4).toString('hex')}:`
    const store = t.store(prefix)
    const redis = t.up ? await t.inspect() : null
    afterAll(async () => {
      await store.close()
      await redis?.clear(prefix)
      await redis?.close()
    })

    it('survives a touch by Lua with any metadata text, byte for byte', async () => {
      const text = fc.string({ unit: 'binary', maxLength: 40 })
      await fc.assert(
        fc.asyncProperty(text, text, async (ip, userAgent) => {
          const r = record({ meta: { ip, userAgent } })
          await store.create(r)
          const seen = r.lastSeenAt + 1000
          expect(await store.update(r.id, { lastSeenAt: seen, idleExpiresAt: seen + 60_000 })).toBe(
            true,
          )
          const got = await store.get(r.id)
          expect(got?.meta).toEqual(JSON.parse(JSON.stringify(r.meta)))
          expect(got?.lastSeenAt).toBe(seen)
          expect(got?.handle).toBe(r.handle)
          await store.destroy(r.id)
        }),
        { numRuns: 25 },
      )
    })

    it('applies concurrent metadata changes of different keys (compare-and-set, retried)', async () => {
      const r = record({ meta: {} })
      await store.create(r)
      const keys = ['ip', 'userAgent', 'authMethod', 'kind'] as const
      const oks = await Promise.all(
        keys.map((key) => store.update(r.id, { meta: { [key]: `v-${key}` }, set: { [key]: 1 } })),
      )
      expect(oks).toEqual([true, true, true, true])
      const got = await store.get(r.id)
      expect(got?.meta).toEqual(Object.fromEntries(keys.map((key) => [key, `v-${key}`])))
      expect(Object.keys(got?.data ?? {}).sort()).toEqual(['a', ...keys].sort())
      expect(await store.update(r.id, { meta: { ip: undefined } })).toBe(true)
      expect((await store.get(r.id))?.meta.ip).toBeUndefined()
    })

    it('keeps the instants exact when re-authentication and a touch land in one update', async () => {
      const r = record()
      await store.create(r)
      const at = r.createdAt + 12_345
      await store.update(r.id, { authenticatedAt: at, lastSeenAt: at, idleExpiresAt: at + 1 })
      const got = await store.get(r.id)
      expect([got?.authenticatedAt, got?.lastSeenAt, got?.idleExpiresAt]).toEqual([at, at, at + 1])
      expect([got?.createdAt, got?.renewedAt, got?.absoluteExpiresAt]).toEqual([
        r.createdAt,
        r.renewedAt,
        r.absoluteExpiresAt,
      ])
    })

    it('reads a corrupt session hash as no session, and never rewrites it', async () => {
      for (const bad of [
        'not json',
        '[1,2,3]',
        '[1,2,3,null,4,5,"h",[]]',
        '[1,2,null,4,5,"h",{}]',
        '',
      ]) {
        const r = record()
        await store.create(r)
        const key = `${prefix}s:{${r.id}}`
        await redis!.send(key, ['HSET', key, '$', bad])
        expect(await store.get(r.id)).toBeNull()
        expect(await store.update(r.id, { set: { b: 2 }, lastSeenAt: 1, idleExpiresAt: 2 })).toBe(
          false,
        )
        expect(await store.update(r.id, { meta: { ip: 'x' } })).toBe(false)
        expect(await redis!.send(key, ['HGET', key, '$'])).toBe(bad)
        expect(await redis!.send(key, ['HGET', key, 'd:b'])).toBeNull()
      }
    })
  })
}

import { randomBytes } from 'node:crypto'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import type { SessionRecord } from '../../src/core/record.js'
import type { SessionStore } from '../../src/core/store.js'
import { generateHandle, generateToken, hashToken } from '../../src/core/token.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis, type RedisInspector } from '../services/redis-inspect.js'

// Issue 13, item 5: a session whose key Redis expired reads as expired (session_expired,
// session_use_after_expire), as on the SQL stores, through a small tombstone; a session ended
// on purpose (logout, revocation, rotation, eviction) never does. Expiry is forced with a
// PEXPIREAT in the past on the session key: no waiting for the server's clock.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const standaloneUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

/** A store whose every round trip to Redis is counted (the real client underneath). */
interface Counted {
  store: SessionStore
  trips: { n: number }
  close(): Promise<void>
}

const topologies = [
  {
    name: 'standalone Redis',
    up: standaloneUp,
    counted: async (keyPrefix: string): Promise<Counted> => {
      const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
      await client.connect()
      const trips = { n: 0 }
      const store = redisStore({
        keyPrefix,
        client: {
          get isOpen() {
            return client.isOpen
          },
          connect: () => client.connect(),
          sendCommand: (args) => {
            trips.n++
            return client.sendCommand(args)
          },
          close: () => client.close(),
          destroy: () => client.destroy(),
        },
      })
      return { store, trips, close: () => store.close().then(() => client.close()) }
    },
    inspect: () => inspectRedis([REDIS_URL]),
  },
  {
    name: 'Redis Cluster',
    up: clusterUp,
    counted: async (keyPrefix: string): Promise<Counted> => {
      const cluster = createCluster({
        rootNodes: clusterNodes(CLUSTER_URL).map((url) => ({ url })),
      })
      await cluster.connect()
      const trips = { n: 0 }
      const store = redisClusterStore({
        keyPrefix,
        cluster: {
          get isOpen() {
            return cluster.isOpen
          },
          get masters() {
            return cluster.masters
          },
          connect: () => cluster.connect(),
          sendCommand: (key, readonly, args) => {
            trips.n++
            return cluster.sendCommand(key, readonly, args)
          },
          nodeClient: (node) => cluster.nodeClient(node),
          close: () => cluster.close(),
          destroy: () => cluster.destroy(),
        },
      })
      return { store, trips, close: () => store.close().then(() => cluster.close()) }
    },
    inspect: () => inspectRedis(clusterNodes(CLUSTER_URL), true),
  },
]

const record = (userId: string | null): SessionRecord => {
  const now = Date.now()
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId,
    data: { secret: 'not-in-the-tombstone', cart: ['sku-1'] },
    createdAt: now - 5000,
    lastSeenAt: now,
    renewedAt: now - 5000,
    authenticatedAt: now - 5000,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 600_000,
    meta: { ip: '203.0.113.7', userAgent: 'agent-not-in-the-tombstone' },
    version: 1,
  }
}

const tokenOf = (setCookie: string | null) => /=([^;]+)/.exec(setCookie ?? '')?.[1] ?? ''

for (const t of topologies) {
  describe.runIf(t.up)(`expiry visible on ${t.name}`, () => {
    const prefix = `tessera-test:${randomBytes(4).toString('hex')}:`
    let counted: Counted
    let store: SessionStore
    let redis: RedisInspector
    const user = () => `u-${randomBytes(4).toString('hex')}`
    const keyOf = (kind: 's' | 't' | 'a', id: string) => `${prefix}${kind}:{${id}}`
    const exists = async (key: string) => Number(await redis.send(key, ['EXISTS', key])) === 1
    /** What Redis does at the idle deadline, now: the session key goes, nothing else. */
    const expireNow = async (id: string) => {
      const key = keyOf('s', id)
      expect(Number(await redis.send(key, ['PEXPIREAT', key, '1']))).toBe(1)
      expect(await exists(key)).toBe(false)
    }
    beforeAll(async () => {
      counted = await t.counted(prefix)
      store = counted.store
      redis = await t.inspect()
    })
    afterAll(async () => {
      await counted.close()
      await redis.clear(prefix)
      await redis.close()
    })

    it('reports an expired session as expired and used after expiry, once, then forgets it', async () => {
      const sessions: SessionManager = createSessions({ store, production: false })
      const events: SessionEvent[] = []
      sessions.on((e) => events.push(e))
      const userId = user()
      const s = await sessions.load({ ip: '203.0.113.9', userAgent: 'test' })
      await s.regenerate({ userId, authenticated: true })
      s.set('theme', 'dark')
      await s.commit()
      const token = tokenOf(s.setCookie)
      expect(token).toHaveLength(43)
      const id = hashToken(token)
      expect(await exists(keyOf('t', id))).toBe(true)

      await expireNow(id)
      const late = await sessions.load({ cookie: `__Host-sid=${token}` })
      expect(late.exists).toBe(false)
      expect(late.setCookie).toMatch(/Max-Age=0/)
      const expired = events.find((e) => e.type === 'session_expired')
      expect(expired?.reason).toBe('idle')
      expect(expired?.userId).toBe(userId)
      expect(events.map((e) => e.type)).toContain('session_use_after_expire')
      expect(events.map((e) => e.type)).not.toContain('session_token_unknown')
      // The manager destroyed it: the tombstone went with it, and the token is now unknown.
      expect(await exists(keyOf('t', id))).toBe(false)
      events.length = 0
      await sessions.load({ cookie: `__Host-sid=${token}` })
      expect(events.map((e) => e.type)).toContain('session_token_unknown')
      expect(events.map((e) => e.type)).not.toContain('session_expired')
    })

    it('reads a miss as its tombstone: the owner, handle and instants, no data, deadline passed', async () => {
      const r = record(user())
      await store.create(r)
      const seen = r.lastSeenAt + 1000
      await store.update(r.id, { lastSeenAt: seen, idleExpiresAt: seen + 60_000 })
      await expireNow(r.id)
      const got = await store.get(r.id)
      expect(got).toEqual({
        ...r,
        data: {},
        meta: {},
        version: 0,
        lastSeenAt: seen,
        // The last activity: an instant every app clock has passed, whatever the skew.
        idleExpiresAt: seen,
      })
    })

    it('keeps the tombstone small: no data, no metadata, no token; it expires at the absolute deadline', async () => {
      const r = record(user())
      await store.create(r)
      const tomb = keyOf('t', r.id)
      const text = String(await redis.send(tomb, ['GET', tomb]))
      expect(text).toContain(r.handle)
      expect(text).toContain(r.userId)
      for (const secret of ['not-in-the-tombstone', 'sku-1', '203.0.113.7', 'agent-not-in'])
        expect(text).not.toContain(secret)
      expect(Number(await redis.send(tomb, ['PEXPIRETIME', tomb]))).toBe(r.absoluteExpiresAt)
      // A touch moves the instants in it, never its lifetime.
      await store.update(r.id, { lastSeenAt: r.lastSeenAt + 7, idleExpiresAt: r.idleExpiresAt + 7 })
      expect(Number(await redis.send(tomb, ['PEXPIRETIME', tomb]))).toBe(r.absoluteExpiresAt)
      expect(String(await redis.send(tomb, ['GET', tomb]))).toContain(String(r.lastSeenAt + 7))
    })

    it('leaves no tombstone for an anonymous session', async () => {
      const r = record(null)
      await store.create(r)
      await store.update(r.id, { lastSeenAt: r.lastSeenAt + 1, idleExpiresAt: r.idleExpiresAt })
      expect(await exists(keyOf('t', r.id))).toBe(false)
      await expireNow(r.id)
      expect(await store.get(r.id)).toBeNull()
    })

    it('never reads a session ended on purpose as expired: logout, revocation, rotation, eviction', async () => {
      const userId = user()
      const ended: SessionRecord[] = []
      const logout = record(userId)
      await store.create(logout)
      await store.destroy(logout.id)
      ended.push(logout)

      const byHandle = record(userId)
      await store.create(byHandle)
      await store.destroyByHandle(byHandle.handle)
      ended.push(byHandle)

      const all = [record(userId), record(userId)]
      for (const r of all) await store.create(r)
      await store.destroyByUser(userId)
      ended.push(...all)

      const rotated = record(userId)
      await store.create(rotated)
      await store.create(record(userId), { replaces: rotated.id, expectVersion: 1 })
      ended.push(rotated)

      const evicted = record(userId)
      evicted.lastSeenAt -= 60_000
      await store.create(evicted)
      await store.create(record(userId), { limit: { max: 2, policy: 'evict-oldest' } })
      await store.create(record(userId), { limit: { max: 2, policy: 'evict-oldest' } })
      expect(await exists(keyOf('s', evicted.id))).toBe(false)
      ended.push(evicted)

      for (const r of ended) {
        expect(await exists(keyOf('t', r.id)), r.id).toBe(false)
        expect(await store.get(r.id)).toBeNull()
      }
    })

    it('keeps a renewal grace alias ahead of the tombstone, and drops the old tombstone', async () => {
      const old = record(user())
      await store.create(old)
      const next = { ...old, id: hashToken(generateToken()) }
      await store.create(next, { replaces: old.id, graceUntil: Date.now() + 60_000 })
      expect(await exists(keyOf('t', old.id))).toBe(false)
      expect((await store.get(old.id))?.id).toBe(next.id)
      expect(await exists(keyOf('t', next.id))).toBe(true)
    })

    it('costs a hit one round trip, and a miss (expired or unknown) exactly one more', async () => {
      const trips = async (id: string) => {
        const before = counted.trips.n
        await store.get(id)
        return counted.trips.n - before
      }
      // The first script call on a node that has not cached the script costs one more trip
      // (EVALSHA answers NOSCRIPT, then EVAL). On a cluster the ids below land on any master,
      // so each id's node is warmed with a miss first: the counts are the steady state.
      const r = record(user())
      const unknown = hashToken(generateToken())
      await store.get(r.id)
      await store.get(unknown)
      await store.create(r)
      expect(await trips(r.id)).toBe(1)
      await expireNow(r.id)
      expect(await trips(r.id)).toBe(2)
      expect(await trips(unknown)).toBe(2)
    })
  })
}

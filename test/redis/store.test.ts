import { randomBytes } from 'node:crypto'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSessions } from '../../src/core/manager.js'
import type { SessionRecord } from '../../src/core/record.js'
import type { SessionStore, StoreNotice } from '../../src/core/store.js'
import { generateHandle, generateToken, hashToken } from '../../src/core/token.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { DROP } from '../../src/stores/redis/lua.js'
import { clusterNodes } from '../services/redis-cluster.js'
import type { RedisInspector } from '../services/redis-inspect.js'
import { CLUSTER_URL, REDIS_URL, redisTopologies } from './topologies.js'

const topologies = await redisTopologies()
const [standalone, cluster] = topologies
const standaloneUp = standalone!.up
const clusterUp = cluster!.up

const record = (userId: string | null, over: Partial<SessionRecord> = {}): SessionRecord => {
  const now = Date.now()
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId,
    data: { csrf: randomBytes(32).toString('base64url'), theme: 'dark', cart: ['sku-1'] },
    createdAt: now,
    lastSeenAt: now,
    renewedAt: now,
    authenticatedAt: userId ? now : null,
    idleExpiresAt: now + 30 * 60_000,
    absoluteExpiresAt: now + 12 * 3600_000,
    meta: {
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
      authMethod: 'password',
      kind: 'cookie',
      device: { browser: 'Chrome', os: 'Linux', type: 'desktop' },
    },
    version: 1,
    ...over,
  }
}

for (const t of topologies) {
  describe.runIf(t.up)(`redis store on ${t.name}`, () => {
    const prefix = `tessera-test:${randomBytes(4).toString('hex')}:`
    let store: SessionStore
    let redis: RedisInspector
    const userKey = (userId: string) => `${prefix}u:{u${Buffer.from(userId).toString('hex')}}`
    beforeAll(async () => {
      store = t.store(prefix)
      redis = await t.inspect()
    })
    afterAll(async () => {
      await store.close()
      await redis.clear(prefix)
      await redis.close()
    })

    it('never stores the raw token: a dump of every key holds its hash only', async () => {
      const sessions = createSessions({ store, production: false })
      const session = await sessions.load({ ip: '203.0.113.9', userAgent: 'test' })
      session.set('theme', 'dark')
      await session.regenerate({
        userId: `alice-${randomBytes(3).toString('hex')}`,
        authenticated: true,
      })
      const token = /=([^;]+)/.exec(session.setCookie ?? '')?.[1] ?? ''
      expect(token).toHaveLength(43)
      const dump = [...(await redis.dump(prefix))].map(([k, v]) => `${k} ${v}`).join('\n')
      expect(dump).toContain(hashToken(token))
      expect(dump).not.toContain(token)
    })

    it('expires a session natively at the earlier deadline and moves it on touch', async () => {
      const r = record(`u-${randomBytes(3).toString('hex')}`)
      await store.create(r)
      const key = `${prefix}s:{${r.id}}`
      expect(Number(await redis.send(key, ['PEXPIRETIME', key]))).toBe(r.idleExpiresAt)
      const idle = r.idleExpiresAt + 60_000
      await store.update(r.id, { lastSeenAt: r.lastSeenAt + 60_000, idleExpiresAt: idle })
      expect(Number(await redis.send(key, ['PEXPIRETIME', key]))).toBe(idle)
      const index = userKey(r.userId!)
      expect(Number(await redis.send(index, ['PEXPIRETIME', index]))).toBe(idle)
      // The absolute deadline caps any extension.
      await store.update(r.id, { idleExpiresAt: r.absoluteExpiresAt + 1 })
      expect(Number(await redis.send(key, ['PEXPIRETIME', key]))).toBe(r.absoluteExpiresAt)
    })

    it('shrinks the user index as sessions expire, and drops it with the last one', async () => {
      const userId = `u-${randomBytes(3).toString('hex')}`
      const short = [1, 2, 3].map(() => record(userId))
      const keep = record(userId, { idleExpiresAt: Date.now() + 40 * 60_000 })
      for (const r of [...short, keep]) await store.create(r)
      const index = userKey(userId)
      expect(Number(await redis.send(index, ['ZCARD', index]))).toBe(4)
      // What Redis does at their idle deadline, done now (no waiting on the server's clock).
      for (const r of short) {
        const key = `${prefix}s:{${r.id}}`
        expect(Number(await redis.send(key, ['PEXPIREAT', key, '1']))).toBe(1)
      }
      expect((await store.listByUser(userId)).map((s) => s.id)).toEqual([keep.id])
      expect(Number(await redis.send(index, ['ZCARD', index]))).toBe(1)
      // No store call is needed later: the index keys expire by themselves with their latest
      // member (Redis honours the PEXPIREAT), and follow it when it moves.
      const deadlines = `${prefix}x:${index.slice(prefix.length + 2)}`
      for (const key of [index, deadlines])
        expect(Number(await redis.send(key, ['PEXPIRETIME', key]))).toBe(keep.idleExpiresAt)
      const later = keep.idleExpiresAt + 60_000
      await store.update(keep.id, { lastSeenAt: Date.now(), idleExpiresAt: later })
      for (const key of [index, deadlines])
        expect(Number(await redis.send(key, ['PEXPIRETIME', key]))).toBe(later)
      await store.destroy(keep.id)
      expect(Number(await redis.send(index, ['EXISTS', index, deadlines]))).toBe(0)
    })

    it('keeps the index bounded by the cap through many logins', async () => {
      const userId = `u-${randomBytes(3).toString('hex')}`
      for (let i = 0; i < 40; i++)
        await store.create(record(userId), { limit: { max: 5, policy: 'evict-oldest' } })
      const index = userKey(userId)
      expect(Number(await redis.send(index, ['ZCARD', index]))).toBe(5)
      const sessionKeys = [...(await redis.dump(`${prefix}s:`))].filter(([, v]) =>
        v.includes(JSON.stringify(userId)),
      )
      expect(sessionKeys).toHaveLength(5)
    })

    it('keeps the index of an empty or brace-laden user id in one slot', async () => {
      for (const userId of ['', '{', '}{', `{${randomBytes(2).toString('hex')}}`]) {
        const a = record(userId)
        const b = record(userId)
        await store.create(a, { limit: { max: 1, policy: 'evict-oldest' } })
        await store.create(b, { limit: { max: 1, policy: 'evict-oldest' } })
        await store.update(b.id, { lastSeenAt: Date.now(), idleExpiresAt: Date.now() + 90_000 })
        expect((await store.listByUser(userId)).map((s) => s.id)).toEqual([b.id])
        expect((await store.destroyByUser(userId)).map((s) => s.id)).toEqual([b.id])
      }
    })

    it('round-trips a session with a thousand data keys (scripts send long lists in slices)', async () => {
      const data = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]))
      const r = record(`u-${randomBytes(3).toString('hex')}`, { data })
      await store.create(r, { limit: { max: 5, policy: 'evict-oldest' } })
      expect((await store.get(r.id))?.data).toEqual(data)
      const unset = Object.keys(data).slice(0, 900)
      const set = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`n${i}`, -i]))
      expect(await store.update(r.id, { set, unset })).toBe(true)
      expect(Object.keys((await store.get(r.id))?.data ?? {})).toHaveLength(1000)
    })

    it('an update of a missing session creates no key', async () => {
      const id = hashToken(generateToken())
      expect(await store.update(id, { set: { a: 1 }, idleExpiresAt: Date.now() + 60_000 })).toBe(
        false,
      )
      const key = `${prefix}s:{${id}}`
      expect(Number(await redis.send(key, ['EXISTS', key]))).toBe(0)
    })

    it('reads malformed ids as no session without reaching Redis', async () => {
      for (const bad of ['', '{x}', 'a b', 'x'.repeat(200), 'ä']) {
        expect(await store.get(bad)).toBeNull()
        expect(await store.update(bad, { set: { a: 1 } })).toBe(false)
        expect(await store.destroy(bad)).toBeNull()
        expect(await store.destroyByHandle(bad)).toBeNull()
      }
      await expect(store.create(record(null, { id: '{bad}' }))).rejects.toMatchObject({
        code: 'ERR_BAD_REQUEST',
      })
    })

    it('reports the bytes one typical logged-in session costs (MEMORY USAGE)', async () => {
      const r = record(`user-${randomBytes(4).toString('hex')}`)
      await store.create(r)
      const usage = async (key: string) =>
        Number(await redis.send(key, ['MEMORY', 'USAGE', key, 'SAMPLES', '0']))
      const session = await usage(`${prefix}s:{${r.id}}`)
      const handle = await usage(`${prefix}h:{${r.handle}}`)
      const index = await usage(userKey(r.userId!))
      const deadlines = await usage(`${prefix}x:${userKey(r.userId!).slice(prefix.length + 2)}`)
      const tombstone = await usage(`${prefix}t:{${r.id}}`)
      const total = session + handle + index + deadlines + tombstone
      console.info(
        `[redis ${t.name}] bytes per session: session hash ${session}, handle key ${handle}, user index (2 zsets, 1 member) ${index + deadlines}, tombstone ${tombstone}; total ${total}`,
      )
      expect(session).toBeGreaterThan(0)
      expect(tombstone).toBeGreaterThan(0)
      expect(total).toBeLessThan(2048)
    })

    if (t.name === 'Redis Cluster') {
      it('spreads sessions over every master', async () => {
        // 60 random ids miss one of three masters with probability 3·(2/3)^60 ≈ 1e-10 (30 did
        // one run in ~60,000).
        for (let i = 0; i < 60; i++) await store.create(record(null))
        const counts = await redis.countPerNode(`${prefix}s:`)
        expect(counts).toHaveLength(3)
        for (const n of counts) expect(n).toBeGreaterThan(0)
      })
    }
  })
}

describe('redis store options', () => {
  it('refuses a key prefix with hash-tag braces', () => {
    expect(() => redisStore({ url: REDIS_URL, keyPrefix: 'app{1}:' })).toThrow(/keyPrefix/)
    expect(() => redisClusterStore({ nodes: ['redis://127.0.0.1:1'], keyPrefix: '}' })).toThrow(
      /keyPrefix/,
    )
  })

  it('refuses to start without a url, a client, nodes or a cluster', () => {
    expect(() => redisStore({})).toThrow(/url or a client/)
    expect(() => redisClusterStore({ nodes: [] })).toThrow(/seed nodes/)
  })

  it.runIf(standaloneUp)('uses a client you bring, and leaves it open on close', async () => {
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
    const keyPrefix = `tessera-test:${randomBytes(4).toString('hex')}:`
    const store = redisStore({ client, keyPrefix })
    const r = record(`u-${randomBytes(3).toString('hex')}`)
    await store.create(r)
    expect((await store.get(r.id))?.id).toBe(r.id)
    await store.destroy(r.id)
    await store.close()
    expect(client.isOpen).toBe(true)
    await client.close()
  })

  it.runIf(standaloneUp)(
    'reports a failed index prune to its observer and still lists the user',
    async () => {
      const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
      await client.connect()
      // The real client, except that the prune script (DROP) fails once, as in an outage.
      let failDrop = true
      const faulty = Object.assign(Object.create(client) as typeof client, {
        sendCommand: (args: ReadonlyArray<string>) => {
          if (failDrop && args[0] === 'EVALSHA' && args[1] === DROP.SHA1) {
            failDrop = false
            return Promise.reject(new Error('injected: connection lost'))
          }
          return client.sendCommand(args)
        },
      })
      const keyPrefix = `tessera-test:${randomBytes(4).toString('hex')}:`
      const store = redisStore({ client: faulty, keyPrefix })
      const notices: StoreNotice[] = []
      store.observe?.((n) => notices.push(n))
      const userId = `u-${randomBytes(3).toString('hex')}`
      const live = record(userId)
      const gone = record(userId)
      await store.create(live)
      await store.create(gone)
      // A member whose key is gone (what an expiry leaves): listing prunes it.
      await client.sendCommand(['DEL', `${keyPrefix}s:{${gone.id}}`])
      expect((await store.listByUser(userId)).map((s) => s.id)).toEqual([live.id])
      expect(failDrop).toBe(false)
      expect(notices).toHaveLength(1)
      expect(notices[0]).toMatchObject({ type: 'background_error', task: 'prune' })
      // The next listing prunes it for real.
      await store.listByUser(userId)
      const index = `${keyPrefix}u:{u${Buffer.from(userId).toString('hex')}}`
      expect(await client.sendCommand(['ZRANGE', index, '0', '-1'])).toEqual([live.id])
      await store.destroy(live.id)
      await store.close()
      await client.close()
    },
  )

  it.runIf(clusterUp)('uses a cluster client you bring, and leaves it open on close', async () => {
    const cluster = createCluster({ rootNodes: clusterNodes(CLUSTER_URL).map((url) => ({ url })) })
    await cluster.connect()
    const store = redisClusterStore({ cluster, keyPrefix: 'byo:' })
    const r = record(`u-${randomBytes(3).toString('hex')}`)
    await store.create(r, { limit: { max: 1, policy: 'reject-new' } })
    expect((await store.listByUser(r.userId!)).map((s) => s.id)).toEqual([r.id])
    await store.ping()
    await store.destroy(r.id)
    await store.close()
    expect(cluster.isOpen).toBe(true)
    await cluster.close()
  })
})

import { randomBytes } from 'node:crypto'
import { createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions } from '../../src/core/manager.js'
import { sessionIdOf } from '../../src/core/session.js'
import type { SessionStore } from '../../src/core/store.js'
import { type RedisClusterLike, redisClusterStore } from '../../src/stores/redis/index.js'
import { TAKE_CLAIMED } from '../../src/stores/redis/lua.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { raceRecord } from './record.js'

// A Cluster login decides the cap (and evicts) before its last step, the take of the record it
// replaces, which is conditional on that record's version. When a write bumps the version in
// between, the login is undone and skipped; the sessions its cap step evicted stay ended, so
// `create` must report them, or they end with no `excess_sessions_exceeded` event (found by
// the overlapping concurrency model: a token family evicted by a lost login round, its next
// refresh refused with nobody announcing why). The take is held with a barrier, no timing.
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const up = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

const isTake = (args: string[]) =>
  (args[0] === 'EVALSHA' && args[1] === TAKE_CLAIMED.SHA1) ||
  (args[0] === 'EVAL' && args[1] === String(TAKE_CLAIMED.SCRIPT))

/** A real cluster client whose next take of a replaced record waits until released. */
function heldCluster(nodes: string[]) {
  const real = createCluster({ rootNodes: nodes.map((url) => ({ url })) })
  const inner = real as unknown as RedisClusterLike
  let hold: { reached: () => void; release: Promise<void> } | null = null
  const cluster: RedisClusterLike = {
    get isOpen() {
      return inner.isOpen
    },
    connect: () => inner.connect(),
    async sendCommand(key, readonly, args, options) {
      const h = hold
      if (h && isTake(args)) {
        hold = null
        h.reached()
        await h.release
      }
      return inner.sendCommand(key, readonly, args, options)
    },
    get masters() {
      return inner.masters
    },
    nodeClient: (node) => inner.nodeClient(node),
    close: () => inner.close(),
    destroy: () => inner.destroy(),
  }
  const holdNextTake = () => {
    let reached!: () => void
    let release!: () => void
    const at = new Promise<void>((r) => {
      reached = r
    })
    hold = { reached, release: new Promise<void>((r) => (release = r)) }
    return { reached: at, release }
  }
  return { cluster, holdNextTake }
}

const record = raceRecord

describe.runIf(up)('a Cluster login that loses its take after evicting', () => {
  const prefix = `tessera-lost-take:${randomBytes(4).toString('hex')}:`
  let held: ReturnType<typeof heldCluster>
  let store: SessionStore
  beforeAll(() => {
    held = heldCluster(clusterNodes(CLUSTER_URL))
    store = redisClusterStore({ cluster: held.cluster, keyPrefix: prefix })
  })
  afterAll(async () => {
    await store?.close()
    await held?.cluster.close()
    const redis = await inspectRedis(clusterNodes(CLUSTER_URL), true)
    await redis.clear(prefix)
    await redis.close()
  })

  it('is skipped, writes no session, and reports every session its cap step ended', async () => {
    const userId = `u-${randomBytes(4).toString('hex')}`
    const limit = { max: 1, policy: 'evict-oldest' as const }
    const older = record(userId, Date.now() - 1000)
    await store.create(older, { limit })
    const pre = record(null)
    await store.create(pre)
    const login = record(userId)

    const take = held.holdNextTake()
    const creating = store.create(login, { replaces: pre.id, expectVersion: 1, limit })
    await take.reached
    // A write to the pre-session lands between the cap step and the take.
    expect(await store.update(pre.id, { set: { k: 'v' }, expectVersion: 1 })).toBe(true)
    take.release()
    const result = await creating

    expect(result.skipped).toBe(true)
    expect(await store.get(login.id)).toBeNull()
    expect((await store.get(pre.id))?.data).toEqual({ k: 'v' })
    const stillThere = (await store.get(older.id)) !== null
    expect(result.evicted.map((r) => r.id)).toEqual(stillThere ? [] : [older.id])
    expect((await store.listByUser(userId)).map((r) => r.id)).toEqual(stillThere ? [older.id] : [])
  })

  it('a login over a pre-session that a write changed meanwhile announces the eviction once', async () => {
    const sessions = createSessions({
      store,
      production: false,
      maxSessionsPerUser: 1,
      limitPolicy: 'evict-oldest',
    })
    const events: SessionEvent[] = []
    sessions.on((e) => events.push(e))
    const userId = `u-${randomBytes(4).toString('hex')}`
    const older = record(userId, Date.now() - 1000)
    await store.create(older, { limit: { max: 1, policy: 'evict-oldest' } })
    const first = await sessions.load({})
    first.set('cart', 1)
    await first.commit()
    const cookie = first.setCookie!.split(';')[0]!
    const preId = sessionIdOf(first)!

    const req = await sessions.load({ cookie })
    const take = held.holdNextTake()
    const login = req.regenerate({ userId, authenticated: true })
    await take.reached
    expect(await store.update(preId, { set: { cart: 2 }, expectVersion: 1 })).toBe(true)
    take.release()
    await login
    await req.commit()

    // The first round lost its take and was undone; the second (from the changed
    // pre-session) signed in. The older session ended in the first round, and says so.
    expect(req.userId).toBe(userId)
    expect(req.get('cart')).toBe(2)
    expect(await store.get(older.id)).toBeNull()
    const evictions = events.filter((e) => e.type === 'excess_sessions_exceeded')
    expect(evictions.map((e) => e.handle)).toEqual([older.handle])
    expect((await store.listByUser(userId)).map((r) => r.handle)).toEqual([req.handle])
  })
})

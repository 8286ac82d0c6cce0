import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { describe, expect, inject, it } from 'vitest'
import { nearCacheStats } from '../../src/stores/near-cache/index.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { clientName } from '../../src/stores/redis/tracking.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { redisCli } from '../services/redis-server.js'
import { EventLog, pushed } from './events.js'
import { nearCacheSuite, record } from './suite.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const standaloneUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

/** Kills, on every node, the tracking connections of the stores with this prefix. */
const killTracking = async (urls: string[], keyPrefix: string) => {
  for (const url of urls) {
    const port = Number(new URL(url).port || 6379)
    const list = await redisCli(port, 'client', 'list')
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${clientName(keyPrefix)} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    if (ids.length === 0) throw new Error(`no tracking connection on port ${port}`)
    for (const id of ids) await redisCli(port, 'client', 'kill', 'id', id!)
  }
}

const topologies = [
  { name: 'standalone Redis', up: standaloneUp, urls: () => [REDIS_URL], cluster: false },
  { name: 'Redis Cluster', up: clusterUp, urls: () => clusterNodes(CLUSTER_URL), cluster: true },
]

for (const t of topologies) {
  nearCacheSuite(t.name, t.up, (logA, logB) => {
    // A prefix of our own: other test files share these servers.
    const keyPrefix = `tessera-nc-test:${randomBytes(4).toString('hex')}:`
    const open = (onEvent: typeof logA.push) =>
      t.cluster
        ? redisClusterStore({ nodes: t.urls(), keyPrefix, nearCache: { onEvent } })
        : redisStore({ url: REDIS_URL, keyPrefix, nearCache: { onEvent } })
    const a = open(logA.push)
    const b = open(logB.push)
    return {
      a,
      b,
      kill: () => killTracking(t.urls(), keyPrefix),
      close: async () => {
        await Promise.all([a.close(), b.close()])
        const redis = await inspectRedis(t.urls(), t.cluster)
        await redis.clear(keyPrefix)
        await redis.close()
      },
    }
  })
}

describe.runIf(standaloneUp)('the near cache on a node-redis client of yours', () => {
  it('tracks through a duplicate of it, and leaves the client open on close', async () => {
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
    await client.connect()
    const keyPrefix = `tessera-nc-test:${randomBytes(4).toString('hex')}:`
    const log = new EventLog()
    const store = redisStore({ client, keyPrefix, nearCache: { onEvent: log.push } })
    try {
      await log.ready()
      const r = record('u-own')
      // The creation's own push (Redis reports the new key) can land after create() returns,
      // while the next read is in flight, and that read is then rightly not kept (in a loop of
      // create, get, get on one store, ~85 % of rounds after the first): wait for it first.
      const created = log.next(pushed(r.id))
      await store.create(r)
      await created
      await store.get(r.id)
      await store.get(r.id)
      expect(nearCacheStats(store)?.hits).toBe(1)
      const arrived = log.next(pushed(r.id))
      // A write by another client (here, by hand): pushed like any other.
      await client.sendCommand(['HSET', `${keyPrefix}s:{${r.id}}`, 'd:note', '"by hand"'])
      await arrived
      expect((await store.get(r.id))?.data).toMatchObject({ note: 'by hand' })
    } finally {
      await store.close()
      expect(client.isOpen).toBe(true)
      const redis = await inspectRedis([REDIS_URL])
      await redis.clear(keyPrefix)
      await redis.close()
      await client.close()
    }
  })
})

import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { redisClusterStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { EventLog } from '../near-cache/events.js'
import { requireCacheHits } from './cache-hits.js'
import { concurrencySuite } from './suite.js'

// Started by test/global-setup.ts (or given by the environment).
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const up = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

// The same schedules with the near cache on (one tracking connection per master).
concurrencySuite(
  'the Redis Cluster store with the near cache',
  async () => {
    const keyPrefix = `tessera-concurrency-nc:${randomBytes(4).toString('hex')}:`
    const nodes = clusterNodes(CLUSTER_URL)
    const log = new EventLog()
    const store = redisClusterStore({ nodes, keyPrefix, nearCache: { onEvent: log.push } })
    await log.ready()
    return {
      store,
      close: async () => {
        requireCacheHits(store)
        await store.close()
        const redis = await inspectRedis(nodes, true)
        await redis.clear(keyPrefix)
        await redis.close()
      },
    }
  },
  up,
  { runs: 60, overlapRuns: 30 },
)

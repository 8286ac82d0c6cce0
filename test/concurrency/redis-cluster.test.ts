import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { redisClusterStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { concurrencySuite } from './suite.js'

// Started by test/global-setup.ts (or given by the environment).
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const up = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

concurrencySuite(
  'the Redis Cluster store',
  () => {
    const keyPrefix = `tessera-concurrency:${randomBytes(4).toString('hex')}:`
    const nodes = clusterNodes(CLUSTER_URL)
    const store = redisClusterStore({ nodes, keyPrefix })
    return {
      store,
      close: async () => {
        await store.close()
        const redis = await inspectRedis(nodes, true)
        await redis.clear(keyPrefix)
        await redis.close()
      },
    }
  },
  up,
  { runs: 200, overlapRuns: 100 },
)

import { inject } from 'vitest'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { inspectRedis } from '../services/redis-inspect.js'

/** Where the Redis suites find their servers (the cluster is started by the global set-up). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')

/**
 * The two Redis topologies a store suite runs on, each with whether its server answers (a
 * loud skip locally, a failure under CI: see serviceGate), a store factory and an inspector.
 *
 * @example
 * for (const t of await redisTopologies()) describe.runIf(t.up)(t.name, () => { … })
 */
export async function redisTopologies() {
  const standaloneUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
  const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))
  return [
    {
      name: 'standalone Redis',
      up: standaloneUp,
      store: (keyPrefix: string) => redisStore({ url: REDIS_URL, keyPrefix }),
      inspect: () => inspectRedis([REDIS_URL]),
    },
    {
      name: 'Redis Cluster',
      up: clusterUp,
      store: (keyPrefix: string) =>
        redisClusterStore({ nodes: clusterNodes(CLUSTER_URL), keyPrefix }),
      inspect: () => inspectRedis(clusterNodes(CLUSTER_URL), true),
    },
  ]
}

import { afterAll, describe, inject, it } from 'vitest'
import { redisAnswers, serviceGate } from '../../../test/services/availability.js'
import { clusterNodes } from '../../../test/services/redis-cluster.js'
import { runStoreConformance } from '../conformance/index.js'
import { redisClusterStore } from './index.js'

// Started by test/global-setup.ts (or given by the environment).
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const up = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

describe.runIf(up)('redis cluster store conformance', () => {
  const store = redisClusterStore({ nodes: clusterNodes(CLUSTER_URL), keyPrefix: 'conf:' })
  afterAll(() => store.close())
  runStoreConformance(it, () => ({ store }))
})

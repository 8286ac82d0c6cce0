import { createCluster } from 'redis'
import { inject } from 'vitest'
import { redisAudit } from '../../src/monitoring/audit/redis.js'
import { auditBackendSuite } from './suite.js'
import { service, uniqueName } from './services.js'

const url = inject('redisClusterUrl')
const key = `tessera-test:${uniqueName('audit-cluster')}`
let admin: ReturnType<typeof createCluster> | null = null

auditBackendSuite('Redis Cluster', {
  open: async () => {
    admin = await service('Redis Cluster', async () => {
      if (!url) throw new Error('no cluster was started (REDIS_CLUSTER_URL is empty)')
      const rootNodes = url
        .slice('redis-cluster://'.length)
        .split(',')
        .map((hp) => ({ url: `redis://${hp}` }))
      const c = createCluster({ rootNodes })
      c.on('error', () => {})
      await c.connect()
      return c
    })
    // The same stream code as standalone, on a cluster client opened from the URL.
    return admin ? redisAudit({ url, key }) : null
  },
  drop: async () => {
    // The security stream is a second key (another slot): one DEL each.
    await admin?.del(key)
    await admin?.del(`${key}:security`)
    await admin?.close()
  },
})

import { createClient } from 'redis'
import { redisAudit } from '../../src/monitoring/audit/redis.js'
import { auditBackendSuite } from './suite.js'
import { service, uniqueName } from './services.js'

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const key = `tessera-test:${uniqueName('audit')}`
let admin: ReturnType<typeof createClient> | null = null

auditBackendSuite('Redis', {
  open: async () => {
    admin = await service('Redis', async () => {
      const c = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3000 } })
      c.on('error', () => {})
      await c.connect()
      return c
    })
    return admin ? redisAudit({ url, key }) : null
  },
  drop: async () => {
    await admin?.del([key, `${key}:security`])
    await admin?.close()
  },
})

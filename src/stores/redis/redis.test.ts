import { randomBytes } from 'node:crypto'
import { afterAll, describe, it } from 'vitest'
import { redisAnswers, serviceGate } from '../../../test/services/availability.js'
import { inspectRedis } from '../../../test/services/redis-inspect.js'
import { runStoreConformance } from '../conformance/index.js'
import { redisStore } from './index.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const up = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))

describe.runIf(up)('redis store (standalone) conformance', () => {
  // A prefix of our own: other test files share this server.
  const keyPrefix = `tessera-test:${randomBytes(4).toString('hex')}:`
  const store = redisStore({ url: REDIS_URL, keyPrefix })
  afterAll(async () => {
    await store.close()
    const redis = await inspectRedis([REDIS_URL])
    await redis.clear(keyPrefix)
    await redis.close()
  })
  runStoreConformance(it, () => ({ store }))
})

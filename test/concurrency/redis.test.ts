import { randomBytes } from 'node:crypto'
import { redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { concurrencySuite } from './suite.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const up = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))

concurrencySuite(
  'the Redis store (standalone)',
  () => {
    // A prefix of our own: other test files share this server.
    const keyPrefix = `tessera-concurrency:${randomBytes(4).toString('hex')}:`
    const store = redisStore({ url: REDIS_URL, keyPrefix })
    return {
      store,
      close: async () => {
        await store.close()
        const redis = await inspectRedis([REDIS_URL])
        await redis.clear(keyPrefix)
        await redis.close()
      },
    }
  },
  up,
  { runs: 200, overlapRuns: 100 },
)

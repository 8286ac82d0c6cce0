import { randomBytes } from 'node:crypto'
import { redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { EventLog } from '../near-cache/events.js'
import { requireCacheHits } from './cache-hits.js'
import { concurrencySuite } from './suite.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const up = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))

// The same schedules with the near cache on: every read after the first of a session is
// answered from memory, so the invariants hold only if every write drops what it changed.
concurrencySuite(
  'the Redis store with the near cache',
  async () => {
    const keyPrefix = `tessera-concurrency-nc:${randomBytes(4).toString('hex')}:`
    const log = new EventLog()
    const store = redisStore({ url: REDIS_URL, keyPrefix, nearCache: { onEvent: log.push } })
    // Schedules start once the channel is subscribed: before that the cache keeps nothing.
    await log.ready()
    return {
      store,
      close: async () => {
        requireCacheHits(store)
        await store.close()
        const redis = await inspectRedis([REDIS_URL])
        await redis.clear(keyPrefix)
        await redis.close()
      },
    }
  },
  up,
  { runs: 100, overlapRuns: 50 },
)

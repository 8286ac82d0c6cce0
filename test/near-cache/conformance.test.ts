import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { SessionStore } from '../../src/core/store.js'
import { runStoreConformance } from '../../src/stores/conformance/index.js'
import type { PostgresStore } from '../../src/stores/postgres/index.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { EventLog } from './events.js'

// The store contract holds with the near cache on: every case reads its own writes at once.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const db = await testDatabase('nc_conf')

describe.runIf(redisUp)('redis store with the near cache: conformance', () => {
  const keyPrefix = `tessera-nc-conf:${randomBytes(4).toString('hex')}:`
  let store: SessionStore
  beforeAll(async () => {
    const log = new EventLog()
    store = redisStore({ url: REDIS_URL, keyPrefix, nearCache: { onEvent: log.push } })
    await log.ready()
  })
  afterAll(async () => {
    await store?.close()
    const redis = await inspectRedis([REDIS_URL])
    await redis.clear(keyPrefix)
    await redis.close()
  })
  runStoreConformance(it, () => ({ store }))
})

describe.runIf(db.up)('postgres store with the near cache: conformance', () => {
  let store: PostgresStore
  beforeAll(async () => {
    const log = new EventLog()
    store = db.store({ nearCache: { onEvent: log.push } })
    await log.ready()
  })
  afterAll(() => db.drop())
  runStoreConformance(it, () => ({ store, sweep: async () => void (await store.sweep()) }))
})

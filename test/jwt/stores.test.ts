import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, inject } from 'vitest'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { sqliteStore } from '../../src/stores/sqlite/index.js'
import { familySuite } from './family.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'

// Token families use only the store contract (create with the cap, get, per-key update,
// destroy by handle/user), so the same behaviour must hold on every real backend.

const dir = mkdtempSync(join(tmpdir(), 'tessera-jwt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
familySuite('SQLite', async (clock) =>
  sqliteStore({ path: join(dir, 'tokens.db'), clock, sweepIntervalMs: 0 }),
)

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const prefix = `tessera-jwt-${randomBytes(4).toString('hex')}:`
familySuite('Redis', () => redisStore({ url: REDIS_URL, keyPrefix: prefix }), redisUp)

const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))
familySuite(
  'Redis Cluster',
  () => redisClusterStore({ nodes: clusterNodes(CLUSTER_URL), keyPrefix: prefix }),
  clusterUp,
)

const db = await testDatabase('jwt')
afterAll(() => db.drop())
familySuite(
  'PostgreSQL',
  (clock) =>
    postgresStore({ connectionString: db.url, schema: db.schema, clock, sweepIntervalMs: 0 }),
  db.up,
)

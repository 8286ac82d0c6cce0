import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, inject } from 'vitest'
import { memoryStore } from '../../src/stores/memory/index.js'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { sqliteStore } from '../../src/stores/sqlite/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { clusterNodes } from '../services/redis-cluster.js'
import { dbscAppSuite } from './app-suite.js'

// The binding lives on the session record and its challenges are consumed by compare-and-set
// (the store contract's `expectVersion`), so the same cases must pass on every backend.

dbscAppSuite('memory', async () => memoryStore({ quiet: true }))

const dir = mkdtempSync(join(tmpdir(), 'tessera-dbsc-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
dbscAppSuite('SQLite', async () => sqliteStore({ path: join(dir, 'dbsc.db'), sweepIntervalMs: 0 }))

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const prefix = `tessera-dbsc-${randomBytes(4).toString('hex')}:`
dbscAppSuite('Redis', async () => redisStore({ url: REDIS_URL, keyPrefix: prefix }), redisUp)

const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))
dbscAppSuite(
  'Redis Cluster',
  async () => redisClusterStore({ nodes: clusterNodes(CLUSTER_URL), keyPrefix: prefix }),
  clusterUp,
)

const db = await testDatabase('dbsc')
afterAll(() => db.drop())
dbscAppSuite(
  'PostgreSQL',
  async () => postgresStore({ connectionString: db.url, schema: db.schema, sweepIntervalMs: 0 }),
  db.up,
)

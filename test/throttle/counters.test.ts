import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { createClient, createCluster } from 'redis'
import { afterAll, inject } from 'vitest'
import {
  memoryCounters,
  postgresCounters,
  redisClusterCounters,
  redisCounters,
  sqliteCounters,
} from '../../src/throttle/index.js'
import { postgresAnswers, redisAnswers, serviceGate } from '../services/availability.js'
import { describeCounters } from './counters-suite.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const prefix = `tessera:test:throttle:${process.pid}:`

describeCounters('memory', async () => ({ counters: memoryCounters(), close: async () => {} }))

const dir = mkdtempSync(join(tmpdir(), 'tessera-throttle-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
describeCounters('SQLite', async () => {
  const db = new Database(join(dir, 'counters.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  return { counters: sqliteCounters(db), close: async () => void db.close() }
})

const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
describeCounters(
  'Redis',
  async () => {
    const client = await createClient({ url: REDIS_URL }).connect()
    return { counters: redisCounters(client, { prefix }), close: () => client.close() }
  },
  redisUp,
)

const clusterUp = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))
describeCounters(
  'Redis Cluster',
  async () => {
    const rootNodes = CLUSTER_URL.slice('redis-cluster://'.length)
      .split(',')
      .map((hp) => ({ url: `redis://${hp}` }))
    const cluster = await createCluster({ rootNodes }).connect()
    return { counters: redisClusterCounters(cluster, { prefix }), close: () => cluster.close() }
  },
  clusterUp,
)

const table = `tessera_throttle_test_${process.pid}`
const pgUp = await serviceGate('PostgreSQL', DATABASE_URL, () => postgresAnswers(DATABASE_URL))
describeCounters(
  'PostgreSQL',
  async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 })
    return { counters: postgresCounters(pool, { table }), close: () => pool.end() }
  },
  pgUp,
)
// Clean-up only where the suite ran (without PostgreSQL it was skipped loudly above).
if (pgUp)
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    await pool.query(`DROP TABLE IF EXISTS ${table}`)
    await pool.end()
  })

// Child process of bench-session-vs-token.ts: the reference app on one store, reporting its own
// CPU time over IPC so the load generator's CPU is never counted.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { loadConfig } from '../../app/config.js'
import { buildApp, startServer } from '../../app/server.js'
import type { SessionStore } from '../../src/core/store.js'

const kind = process.env.BENCH_STORE ?? 'memory'
const tag = `jwtbench_${process.pid}_${randomBytes(3).toString('hex')}`
let cleanup = async () => {}
let store: SessionStore
if (kind === 'sqlite') {
  const { sqliteStore } = await import('../../src/stores/sqlite/index.js')
  const path = join(tmpdir(), `${tag}.db`)
  store = sqliteStore({ path })
  cleanup = async () => rmSync(path, { force: true })
} else if (kind === 'redis') {
  const { redisStore } = await import('../../src/stores/redis/index.js')
  store = redisStore({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: `${tag}:`,
  })
} else if (kind === 'postgres') {
  const { postgresStore } = await import('../../src/stores/postgres/index.js')
  const pg = (await import('pg')).default
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  store = postgresStore({ connectionString: url, schema: tag })
  cleanup = async () => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    await c.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`)
    await c.end()
  }
} else {
  const { memoryStore } = await import('../../src/stores/memory/index.js')
  store = memoryStore({ quiet: true })
}
const config = loadConfig({
  STORE_URL: 'memory:',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SESSION_MAX_PER_USER: '1000',
  ORIGIN: 'http://bench.local',
})
const app = await buildApp(config, { store })
const server = await startServer(app, config)
process.send?.({ port: (server.address() as AddressInfo).port })
process.on('message', async (m: string) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() })
  if (m === 'stop') {
    server.closeAllConnections()
    server.close()
    await app.close()
    await cleanup()
    process.exit(0)
  }
})

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type PostgresStore, type PostgresStoreOptions, postgresStore } from './index.js'

/** A PostgreSQL schema private to one test file, on the shared test server. */
export interface TestDatabase {
  /** `DATABASE_URL`, or the local default. */
  url: string
  /** False when the server could not be reached (the suite then skips, or fails under CI). */
  up: boolean
  /** A fresh schema name; the store creates it, {@link TestDatabase.drop} removes it. */
  schema: string
  /** A small pool for inspecting tables and terminating backends. */
  admin: pg.Pool
  /** A store on this schema (sweeper off unless `o` says otherwise), closed by `drop()`. */
  store(o?: Partial<PostgresStoreOptions>): PostgresStore
  /** Closes the stores it made, drops the schema and ends the admin pool. */
  drop(): Promise<void>
}

/**
 * Connects to the test server (used by the PostgreSQL store's own tests). Locally an
 * unreachable server is a loud warning and a skip; under `CI=true` it throws, failing the file.
 *
 * @example
 * const db = await testDatabase('faults')
 * describe.skipIf(!db.up)('…', () => { afterAll(db.drop) })
 */
export async function testDatabase(label: string): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const schema = `tessera_${label}_${process.pid}_${randomBytes(4).toString('hex')}`
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  probe.on('error', () => {})
  const up = await probe.connect().then(
    () => probe.end().then(() => true),
    () => false,
  )
  if (!up) {
    const where = url.replace(/\/\/[^@/]*@/, '//***@')
    if (process.env.CI === 'true')
      throw new Error(`PostgreSQL is unreachable at ${where} (CI=true)`)
    console.warn(`\n!!! PostgreSQL is unreachable at ${where}: SKIPPING the ${label} tests\n`)
  }
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  admin.on('error', () => {})
  const open: PostgresStore[] = []
  return {
    url,
    up,
    schema,
    admin,
    store: (o = {}) => {
      const store = postgresStore({ connectionString: url, schema, sweepIntervalMs: 0, ...o })
      open.push(store)
      return store
    },
    drop: async () => {
      for (const s of open) await s.close()
      if (up) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    },
  }
}

import pg from 'pg'

/**
 * The PostgreSQL server version when `url` answers within two seconds, else null (the
 * PostgreSQL cases are then skipped).
 *
 * @example
 * const version = await postgresVersion('postgres://postgres@127.0.0.1:5432/test')
 */
export async function postgresVersion(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    const r = await client.query<{ server_version: string }>('SHOW server_version')
    return r.rows[0]?.server_version ?? null
  } catch {
    return null
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Drops a schema this benchmark run created (the PostgreSQL store creates it on first use).
 * Only ever called with the run's own `tessera_bench_<pid>` name.
 *
 * @example
 * await dropSchema(url, 'tessera_bench_1234')
 */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^tessera_bench_\d+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`)
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end().catch(() => {})
  }
}

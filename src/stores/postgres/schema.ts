import { createHash } from 'node:crypto'
import type { PoolClient } from 'pg'
import { configAssert } from '../../core/errors.js'
import type { PgClientLike } from '../../internal/drivers.js'

/** Qualified, quoted table names of one PostgreSQL store, and its advisory-lock namespace. */
export interface PgTables {
  schema: string
  sessions: string
  aliases: string
  version: string
  /** First key of every advisory lock this store takes (the second is per user). */
  lockSpace: number
}

// Schema and prefix are interpolated into SQL, so they must be plain lower-case identifiers.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/

/**
 * Validated names for `schema` and `prefix`.
 *
 * @example
 * pgTables('public', 'tessera_').sessions // '"public"."tessera_sessions"'
 */
export function pgTables(schema: string, prefix: string): PgTables {
  configAssert(IDENTIFIER.test(schema), 'postgresStore schema must match /^[a-z_][a-z0-9_]{0,40}$/')
  configAssert(
    IDENTIFIER.test(prefix),
    'postgresStore tablePrefix must match /^[a-z_][a-z0-9_]{0,40}$/',
  )
  const name = (table: string) => `"${schema}"."${prefix}${table}"`
  return {
    schema,
    sessions: name('sessions'),
    aliases: name('session_aliases'),
    version: name('schema_version'),
    // Stores in different schemas/prefixes do not serialise each other's users.
    lockSpace: createHash('sha256').update(`tessera:${schema}.${prefix}`).digest().readInt32BE(0),
  }
}

/**
 * Migrations, applied in order; entry `i` moves the schema from version `i` to `i + 1`.
 * Never edit a released entry: append a new one.
 */
const migrations = (t: PgTables, prefix: string): string[] => [
  `CREATE TABLE ${t.sessions} (
     id text PRIMARY KEY,                 -- base64url SHA-256 of the token, never the token
     handle text NOT NULL,
     user_id text,
     data jsonb NOT NULL,                 -- key -> JSON text of the value
     meta jsonb NOT NULL,                 -- field -> JSON text of the value
     created_at bigint NOT NULL,          -- all instants: ms since the Unix epoch
     last_seen_at bigint NOT NULL,
     renewed_at bigint NOT NULL,
     authenticated_at bigint,
     idle_expires_at bigint NOT NULL,
     absolute_expires_at bigint NOT NULL,
     expires_at bigint GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED
   );
   CREATE UNIQUE INDEX ${prefix}sessions_handle ON ${t.sessions} (handle);
   CREATE INDEX ${prefix}sessions_user ON ${t.sessions} (user_id) WHERE user_id IS NOT NULL;
   CREATE INDEX ${prefix}sessions_expiry ON ${t.sessions} (expires_at);
   CREATE TABLE ${t.aliases} (
     id text PRIMARY KEY,
     session_id text NOT NULL REFERENCES ${t.sessions} (id) ON DELETE CASCADE,
     expires_at bigint NOT NULL
   );
   CREATE INDEX ${prefix}session_aliases_session ON ${t.aliases} (session_id);
   CREATE INDEX ${prefix}session_aliases_expiry ON ${t.aliases} (expires_at);`,
  // 1 -> 2: record versions for compare-and-set. Existing rows start at 1, the version every new
  // record is created with. The default also keeps inserts of an older instance still running
  // during a rolling upgrade valid.
  `ALTER TABLE ${t.sessions} ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;`,
]

/** The schema version this code writes. */
export const PG_SCHEMA_VERSION = 2

/**
 * Creates or upgrades the schema in one transaction, under an advisory lock so that several
 * app instances starting together migrate once. Refuses a schema newer than this code.
 *
 * @example
 * await migratePg(client, pgTables('public', 'tessera_'), 'tessera_')
 */
export async function migratePg(given: PgClientLike, t: PgTables, prefix: string): Promise<void> {
  const client = given as PoolClient
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [t.lockSpace])
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [t.schema])
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${t.schema}"`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.version} (version integer NOT NULL)`)
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${t.version}`)
    const current = rows[0]?.version ?? 0
    configAssert(
      current <= PG_SCHEMA_VERSION,
      `the PostgreSQL session schema is version ${current}, newer than this Tessera (${PG_SCHEMA_VERSION}); upgrade Tessera`,
    )
    const steps = migrations(t, prefix)
    for (let v = current; v < PG_SCHEMA_VERSION; v++) await client.query(steps[v]!)
    if (rows.length === 0)
      await client.query(`INSERT INTO ${t.version} (version) VALUES ($1)`, [PG_SCHEMA_VERSION])
    else await client.query(`UPDATE ${t.version} SET version = $1`, [PG_SCHEMA_VERSION])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

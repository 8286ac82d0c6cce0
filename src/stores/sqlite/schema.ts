import type Database from 'better-sqlite3'
import { configAssert } from '../../core/errors.js'

/** Table names of one SQLite store (all derived from its prefix). */
export interface SqliteTables {
  sessions: string
  aliases: string
  version: string
}

// The prefix is interpolated into SQL, so it must be a plain identifier.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/

/**
 * Validated table names for `prefix`.
 *
 * @example
 * sqliteTables('tessera_').sessions // 'tessera_sessions'
 */
export function sqliteTables(prefix: string): SqliteTables {
  configAssert(
    IDENTIFIER.test(prefix),
    'sqliteStore tablePrefix must match /^[A-Za-z_][A-Za-z0-9_]{0,40}$/',
  )
  return {
    sessions: `${prefix}sessions`,
    aliases: `${prefix}session_aliases`,
    version: `${prefix}schema_version`,
  }
}

/**
 * Migrations, applied in order; entry `i` moves the schema from version `i` to `i + 1`.
 * Never edit a released entry: append a new one.
 */
const migrations = (t: SqliteTables): string[] => [
  `CREATE TABLE ${t.sessions} (
     id TEXT PRIMARY KEY,                 -- base64url SHA-256 of the token, never the token
     handle TEXT NOT NULL,
     user_id TEXT,
     data TEXT NOT NULL,                  -- JSON object, one value per key
     meta TEXT NOT NULL,                  -- JSON object
     created_at INTEGER NOT NULL,         -- all instants: ms since the Unix epoch
     last_seen_at INTEGER NOT NULL,
     renewed_at INTEGER NOT NULL,
     authenticated_at INTEGER,
     idle_expires_at INTEGER NOT NULL,
     absolute_expires_at INTEGER NOT NULL,
     expires_at INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) STORED
   );
   CREATE UNIQUE INDEX ${t.sessions}_handle ON ${t.sessions} (handle);
   CREATE INDEX ${t.sessions}_user ON ${t.sessions} (user_id, last_seen_at) WHERE user_id IS NOT NULL;
   CREATE INDEX ${t.sessions}_expiry ON ${t.sessions} (expires_at);
   CREATE TABLE ${t.aliases} (
     id TEXT PRIMARY KEY,
     session_id TEXT NOT NULL REFERENCES ${t.sessions} (id) ON DELETE CASCADE,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.aliases}_session ON ${t.aliases} (session_id);
   CREATE INDEX ${t.aliases}_expiry ON ${t.aliases} (expires_at);`,
  // 1 -> 2: record versions for compare-and-set. Rows written before it start at 1, the version
  // every new record is created with, so a caller holding such a record compares correctly.
  `ALTER TABLE ${t.sessions} ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`,
]

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = 2

/**
 * Creates or upgrades the schema. Runs in an IMMEDIATE transaction, so two processes starting
 * on the same file do not both migrate. Refuses a database newer than this code.
 *
 * @example
 * migrateSqlite(db, sqliteTables('tessera_'))
 */
export function migrateSqlite(db: Database.Database, t: SqliteTables): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${t.version} (version INTEGER NOT NULL)`)
    const row = db.prepare(`SELECT version FROM ${t.version}`).get() as
      | { version: number }
      | undefined
    const current = row?.version ?? 0
    configAssert(
      current <= SQLITE_SCHEMA_VERSION,
      `the SQLite session schema is version ${current}, newer than this Tessera (${SQLITE_SCHEMA_VERSION}); upgrade Tessera`,
    )
    const steps = migrations(t)
    for (let v = current; v < SQLITE_SCHEMA_VERSION; v++) db.exec(steps[v]!)
    if (row) db.prepare(`UPDATE ${t.version} SET version = ?`).run(SQLITE_SCHEMA_VERSION)
    else db.prepare(`INSERT INTO ${t.version} (version) VALUES (?)`).run(SQLITE_SCHEMA_VERSION)
  }).immediate()
}

import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { TesseraError } from '../../core/errors.js'
import { requireOptional } from '../../internal/optional.js'

const BetterSqlite3 = requireOptional<typeof Database>(
  'better-sqlite3',
  'sqliteStore (tessera-session/stores/sqlite)',
)

/**
 * Opens the store's database file in WAL mode, creating the folders on the way to it
 * (`./data/sessions.db` on a fresh checkout), or throws `ERR_CONFIG` naming the path: the
 * store's connection check happens here, at construction, since SQLite is a local file.
 *
 * @example
 * const db = openSqlite('data/tessera.db', 5000, 'full')
 */
export function openSqlite(
  path: string,
  busyTimeoutMs: number,
  synchronous: 'full' | 'normal',
): Database.Database {
  let db: Database.Database
  try {
    if (path !== ':memory:' && !path.startsWith('file:'))
      mkdirSync(dirname(resolve(path)), { recursive: true })
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs })
  } catch (cause) {
    throw new TesseraError(
      'ERR_CONFIG',
      `Tessera configuration: cannot open SQLite database at ${JSON.stringify(path)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
  }
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`)
  // Aliases are deleted with their session through ON DELETE CASCADE.
  db.pragma('foreign_keys = ON')
  return db
}

import type Database from 'better-sqlite3'
import type { SessionEvent } from '../../core/events.js'
import { lazyOptional } from '../../internal/optional.js'
import { AUDIT_COLUMNS, type AuditRow, eventToColumns, rowToRecord } from './columns.js'
import type { AuditKind } from './kind.js'
import { KIND_SQL, rowCaps } from './sql-kinds.js'
import { type AuditBackend, type AuditQuery, queryLimit, sqlIdentifier } from './types.js'
import { assertKnownKeys } from '../../internal/strict.js'

// Loaded on first use, so importing tessera-session/monitoring loads no database driver.
const sqlite = lazyOptional<typeof Database>('better-sqlite3', 'sqliteAudit')

/**
 * An open better-sqlite3 `Database`, declared by shape so that Tessera's public types do not
 * need `@types/better-sqlite3`.
 */
export interface SqliteDatabase {
  prepare(...args: never[]): unknown
  exec(...args: never[]): unknown
  close(): unknown
}

/** Options of {@link sqliteAudit}: a file path, or an open database to share. */
export interface SqliteAuditOptions {
  /** Database file (it may be the session store's file: the audit log has its own table). */
  path?: string | undefined
  /** An open better-sqlite3 database; not closed by `close()`. */
  database?: SqliteDatabase | undefined
  /** Table name. Default `tessera_audit`. */
  table?: string | undefined
  /** Most lifecycle rows kept (enforced when pruning). Default 1 000 000. */
  maxRows?: number | undefined
  /** Most security rows kept, counted apart from lifecycle rows. Default 1 000 000. */
  maxSecurityRows?: number | undefined
}

/**
 * An audit backend in a SQLite table. Writes are batched by {@link AuditLog} into one
 * transaction each, off the request path. Security events (levels `warn`, `critical`) and
 * lifecycle events share the table but not their retention nor their row caps: pruning works
 * on one kind at a time, so lifecycle volume never deletes a security row.
 *
 * @example
 * const audit = auditLog(sqliteAudit({ path: 'data/tessera.db' }))
 */
export function sqliteAudit(options: SqliteAuditOptions): AuditBackend {
  assertKnownKeys(
    options,
    ['path', 'database', 'table', 'maxRows', 'maxSecurityRows'],
    'sqliteAudit()',
  )
  const table = sqlIdentifier(options.table ?? 'tessera_audit')
  const owned = !options.database
  const db =
    (options.database as Database.Database | undefined) ??
    new (sqlite())(options.path ?? ':memory:')
  if (owned) {
    // WAL lets the session store's connection and this one work on the same file side by side.
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 5000')
  }
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    type TEXT NOT NULL,
    level TEXT NOT NULL,
    user_id TEXT, handle TEXT, ip TEXT, user_agent TEXT, reason TEXT
  );
  CREATE INDEX IF NOT EXISTS ${table}_at ON ${table} (at_ms);
  CREATE INDEX IF NOT EXISTS ${table}_user ON ${table} (user_id, id);
  CREATE INDEX IF NOT EXISTS ${table}_type ON ${table} (type, id);
  CREATE INDEX IF NOT EXISTS ${table}_level ON ${table} (level, id);`)
  const insert = db.prepare(
    `INSERT INTO ${table} (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertAll = db.transaction((events: readonly SessionEvent[]) => {
    for (const e of events) insert.run(...eventToColumns(e))
  })
  const caps = rowCaps(options.maxRows, options.maxSecurityRows)
  const pruneKind = (kind: AuditKind, before: number): number => {
    const where = KIND_SQL[kind]
    let n = db.prepare(`DELETE FROM ${table} WHERE ${where} AND at_ms < ?`).run(before).changes
    // The newest `cap` rows of the kind stay; older ones go (by id: insertion order).
    n += db
      .prepare(
        `DELETE FROM ${table} WHERE ${where} AND id <= (SELECT id FROM ${table} WHERE ${where} ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      )
      .run(caps[kind]).changes
    return n
  }
  return {
    async append(events) {
      insertAll(events)
    },
    async query(query: AuditQuery) {
      const where: string[] = []
      const params: Array<string | number> = []
      const add = (clause: string, value: string | number | undefined) => {
        if (value === undefined) return
        where.push(clause)
        params.push(value)
      }
      add('user_id = ?', query.userId)
      add('type = ?', query.type)
      if (query.kind) where.push(KIND_SQL[query.kind])
      add('at_ms >= ?', query.from)
      add('at_ms < ?', query.to)
      params.push(queryLimit(query))
      const sql = `SELECT id, ${AUDIT_COLUMNS} FROM ${table}${
        where.length ? ` WHERE ${where.join(' AND ')}` : ''
      } ORDER BY id DESC LIMIT ?`
      return (db.prepare(sql).all(...params) as AuditRow[]).map(rowToRecord)
    },
    async prune(before: number, kind?: AuditKind) {
      if (kind) return pruneKind(kind, before)
      return pruneKind('lifecycle', before) + pruneKind('security', before)
    },
    async close() {
      if (owned) db.close()
    },
  }
}

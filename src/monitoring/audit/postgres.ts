import type pg from 'pg'
import type { SessionEvent } from '../../core/events.js'
import { lazyOptional } from '../../internal/optional.js'
import { AUDIT_COLUMNS, type AuditRow, eventToColumns, rowToRecord } from './columns.js'
import type { AuditKind } from './kind.js'
import { KIND_SQL, rowCaps } from './sql-kinds.js'
import { type AuditBackend, type AuditQuery, queryLimit, sqlIdentifier } from './types.js'
import { assertKnownKeys } from '../../internal/strict.js'

// Loaded on first use, so importing tessera-session/monitoring loads no database driver.
const driver = lazyOptional<typeof pg>('pg', 'postgresAudit')

/** A pg `Pool`, declared by shape so that Tessera's public types do not need `@types/pg`. */
export interface PgPool {
  query(...args: never[]): unknown
  end(): unknown
}

/** Options of {@link postgresAudit}: a connection string, or a pool to share. */
export interface PostgresAuditOptions {
  /** `postgres://…`; a pool of up to 2 connections is opened (audit writes are batched). */
  connectionString?: string | undefined
  /** An existing pool; not ended by `close()`. */
  pool?: PgPool | undefined
  /** Table name. Default `tessera_audit`. */
  table?: string | undefined
  /** Most lifecycle rows kept (enforced when pruning). Default 1 000 000. */
  maxRows?: number | undefined
  /** Most security rows kept, counted apart from lifecycle rows. Default 1 000 000. */
  maxSecurityRows?: number | undefined
}

// 42P07 duplicate table, 23505 unique violation: two processes creating the table at once.
const RACE_CODES = new Set(['42P07', '23505'])

/**
 * An audit backend in a PostgreSQL table. Each batch is one `INSERT … SELECT FROM unnest(…)`.
 * Security events (levels `warn`, `critical`) and lifecycle events share the table but not
 * their retention nor their row caps: pruning works on one kind at a time, so lifecycle volume
 * never deletes a security row.
 *
 * @example
 * const audit = auditLog(postgresAudit({ connectionString: process.env.DATABASE_URL }))
 */
export function postgresAudit(options: PostgresAuditOptions): AuditBackend {
  assertKnownKeys(
    options,
    ['connectionString', 'pool', 'table', 'maxRows', 'maxSecurityRows'],
    'postgresAudit()',
  )
  const table = sqlIdentifier(options.table ?? 'tessera_audit')
  const owned = !options.pool
  const pool =
    (options.pool as pg.Pool | undefined) ??
    new (driver().Pool)({
      connectionString: options.connectionString,
      max: 2,
      connectionTimeoutMillis: 5000,
    })
  // An idle client that loses its connection emits 'error'; unhandled, it would crash the app.
  if (owned) pool.on('error', () => {})
  let ready: Promise<void> | null = null
  const ensure = (): Promise<void> => {
    ready ??= pool
      .query(`CREATE TABLE IF NOT EXISTS ${table} (
        id BIGSERIAL PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        type TEXT NOT NULL,
        level TEXT NOT NULL,
        user_id TEXT, handle TEXT, ip TEXT, user_agent TEXT, reason TEXT
      );
      CREATE INDEX IF NOT EXISTS ${table}_at ON ${table} (at_ms);
      CREATE INDEX IF NOT EXISTS ${table}_user ON ${table} (user_id, id);
      CREATE INDEX IF NOT EXISTS ${table}_type ON ${table} (type, id);
      CREATE INDEX IF NOT EXISTS ${table}_level ON ${table} (level, id);`)
      .then(
        () => undefined,
        (error: { code?: string }) => {
          if (error?.code && RACE_CODES.has(error.code)) return
          ready = null // retry the creation next time
          throw error
        },
      )
    return ready
  }
  const caps = rowCaps(options.maxRows, options.maxSecurityRows)
  const pruneKind = async (kind: AuditKind, before: number): Promise<number> => {
    const where = KIND_SQL[kind]
    const old = await pool.query(`DELETE FROM ${table} WHERE ${where} AND at_ms < $1`, [before])
    // The newest `cap` rows of the kind stay; older ones go (by id: insertion order).
    const over = await pool.query(
      `DELETE FROM ${table} WHERE ${where} AND id <= (SELECT id FROM ${table} WHERE ${where} ORDER BY id DESC LIMIT 1 OFFSET $1)`,
      [caps[kind]],
    )
    return (old.rowCount ?? 0) + (over.rowCount ?? 0)
  }
  return {
    async append(events: readonly SessionEvent[]) {
      if (events.length === 0) return
      await ensure()
      const cols: Array<Array<string | number | null>> = [[], [], [], [], [], [], [], []]
      for (const e of events) {
        const values = eventToColumns(e)
        for (let i = 0; i < values.length; i++) cols[i]!.push(values[i]!)
      }
      await pool.query(
        `INSERT INTO ${table} (${AUDIT_COLUMNS})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::text[], $7::text[], $8::text[])`,
        cols,
      )
    },
    async query(query: AuditQuery) {
      await ensure()
      const where: string[] = []
      const params: Array<string | number> = []
      const add = (clause: string, value: string | number | undefined) => {
        if (value === undefined) return
        params.push(value)
        where.push(`${clause} $${params.length}`)
      }
      add('user_id =', query.userId)
      add('type =', query.type)
      if (query.kind) where.push(KIND_SQL[query.kind])
      add('at_ms >=', query.from)
      add('at_ms <', query.to)
      params.push(queryLimit(query))
      const sql = `SELECT id, ${AUDIT_COLUMNS} FROM ${table}${
        where.length ? ` WHERE ${where.join(' AND ')}` : ''
      } ORDER BY id DESC LIMIT $${params.length}`
      const { rows } = await pool.query<AuditRow>(sql, params)
      return rows.map(rowToRecord)
    },
    async prune(before: number, kind?: AuditKind) {
      await ensure()
      if (kind) return pruneKind(kind, before)
      return (await pruneKind('lifecycle', before)) + (await pruneKind('security', before))
    },
    async close() {
      if (owned) await pool.end()
    },
  }
}

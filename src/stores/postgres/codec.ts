import { setOwn } from '../../internal/own.js'
import type { SessionMeta, SessionRecord } from '../../core/record.js'

// PostgreSQL text cannot hold U+0000 and jsonb refuses "\u0000", yet ids, handles, user ids
// and data keys come from applications and may contain anything. So text columns and jsonb keys
// go through a reversible escape (`\` -> `\\`, NUL -> `\0`) and jsonb values are stored as the
// JSON text of the value: a jsonb *string* may contain the six characters `\u0000`.
const NEEDS_ESCAPE = /[\\\0]/
const ESCAPES = /[\\\0]/g
const UNESCAPES = /\\([\\0])/g

/**
 * `s` in a form PostgreSQL text accepts; the identity for ordinary strings.
 *
 * @example
 * escapeText('a\u0000b') // 'a\\0b'
 */
export function escapeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPES, (c) => (c === '\\' ? '\\\\' : '\\0')) : s
}

/**
 * Reverses {@link escapeText}.
 *
 * @example
 * unescapeText('a\\0b') // 'a\u0000b'
 */
export function unescapeText(s: string): string {
  return s.includes('\\') ? s.replace(UNESCAPES, (_, c: string) => (c === '0' ? '\0' : '\\')) : s
}

/**
 * A jsonb parameter holding `entries` (key -> JSON text), plus the escaped keys whose value is
 * `undefined` (to remove). Hostile keys such as `__proto__` stay own data keys.
 *
 * @example
 * encodeEntries({ a: 1, b: undefined }) // { json: '{"a":"1"}', removed: ['b'] }
 */
export function encodeEntries(entries: Record<string, unknown> | undefined): {
  json: string
  removed: string[]
} {
  const out: Record<string, string> = {}
  const removed: string[] = []
  if (entries) {
    for (const [k, v] of Object.entries(entries)) {
      const text = v === undefined ? undefined : JSON.stringify(v)
      if (text === undefined) removed.push(escapeText(k))
      else setOwn(out, escapeText(k), text)
    }
  }
  return { json: JSON.stringify(out), removed }
}

/** Reverses {@link encodeEntries} for a stored jsonb object (already parsed by the driver). */
function decodeEntries(stored: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (stored === null || typeof stored !== 'object') return out
  for (const [k, v] of Object.entries(stored)) {
    if (typeof v === 'string') setOwn(out, unescapeText(k), JSON.parse(v))
  }
  return out
}

/** A row of the sessions table as `pg` returns it (bigint arrives as a string). */
export interface PgSessionRow {
  id: string
  handle: string
  user_id: string | null
  data: unknown
  meta: unknown
  created_at: string
  last_seen_at: string
  renewed_at: string
  authenticated_at: string | null
  idle_expires_at: string
  absolute_expires_at: string
  version: number
}

/** Columns of {@link PgSessionRow}, in {@link recordParams} order. */
export const PG_COLUMNS =
  'id, handle, user_id, data, meta, created_at, last_seen_at, renewed_at, authenticated_at, idle_expires_at, absolute_expires_at, version'

/**
 * The record stored in `row`.
 *
 * @example
 * const { rows } = await pool.query(`SELECT ${PG_COLUMNS} FROM …`)
 * rows.map(rowToRecord)
 */
export function rowToRecord(row: PgSessionRow): SessionRecord {
  return {
    id: unescapeText(row.id),
    handle: unescapeText(row.handle),
    userId: row.user_id === null ? null : unescapeText(row.user_id),
    data: decodeEntries(row.data),
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    renewedAt: Number(row.renewed_at),
    authenticatedAt: row.authenticated_at === null ? null : Number(row.authenticated_at),
    idleExpiresAt: Number(row.idle_expires_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    meta: decodeEntries(row.meta) as SessionMeta,
    version: Number(row.version),
  }
}

/**
 * INSERT parameters, in {@link PG_COLUMNS} order.
 *
 * @example
 * await client.query(insertSql, recordParams(record))
 */
export function recordParams(r: SessionRecord): (string | number | null)[] {
  return [
    escapeText(r.id),
    escapeText(r.handle),
    r.userId === null ? null : escapeText(r.userId),
    encodeEntries(r.data).json,
    encodeEntries(r.meta as Record<string, unknown>).json,
    r.createdAt,
    r.lastSeenAt,
    r.renewedAt,
    r.authenticatedAt,
    r.idleExpiresAt,
    r.absoluteExpiresAt,
    r.version,
  ]
}

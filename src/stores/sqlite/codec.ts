import { setOwn } from '../../internal/own.js'
import type { SessionMeta, SessionRecord } from '../../core/record.js'
import type { SessionPatch } from '../../core/store.js'

/** A row of the sessions table as better-sqlite3 returns it. */
export interface SessionRow {
  id: string
  handle: string
  user_id: string | null
  data: string
  meta: string
  created_at: number
  last_seen_at: number
  renewed_at: number
  authenticated_at: number | null
  idle_expires_at: number
  absolute_expires_at: number
  version: number
}

/** Column order of {@link recordParams}; matches the INSERT statement. */
export const INSERT_COLUMNS =
  'id, handle, user_id, data, meta, created_at, last_seen_at, renewed_at, authenticated_at, idle_expires_at, absolute_expires_at, version'

/**
 * Parses a stored JSON object. `JSON.parse` already creates own properties (a `__proto__` key
 * stays data), but a corrupt row must not turn into a non-object record.
 */
function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {}
  return value as Record<string, unknown>
}

/**
 * The record stored in `row`.
 *
 * @example
 * const record = rowToRecord(db.prepare('SELECT * FROM tessera_sessions WHERE id = ?').get(id))
 */
export function rowToRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    handle: row.handle,
    userId: row.user_id,
    data: parseObject(row.data),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    renewedAt: row.renewed_at,
    authenticatedAt: row.authenticated_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    meta: parseObject(row.meta) as SessionMeta,
    version: row.version,
  }
}

/**
 * Positional parameters for the INSERT, in {@link INSERT_COLUMNS} order.
 *
 * @example
 * insert.run(...recordParams(record))
 */
export function recordParams(r: SessionRecord): (string | number | null)[] {
  return [
    r.id,
    r.handle,
    r.userId,
    JSON.stringify(r.data),
    JSON.stringify(r.meta),
    r.createdAt,
    r.lastSeenAt,
    r.renewedAt,
    r.authenticatedAt,
    r.idleExpiresAt,
    r.absoluteExpiresAt,
    r.version,
  ]
}

/**
 * The stored data after `patch`: keys in `set` are written, keys in `unset` removed, every
 * other key kept as stored. Hostile keys (`__proto__`, dots, quotes) are plain own keys.
 *
 * @example
 * applyData('{"a":1,"b":2}', { set: { a: 3 }, unset: ['b'] }) // '{"a":3}'
 */
export function applyData(stored: string, patch: SessionPatch): string {
  const data = parseObject(stored)
  if (patch.set) {
    for (const [k, v] of Object.entries(patch.set)) {
      if (v === undefined) delete data[k]
      else setOwn(data, k, v)
    }
  }
  if (patch.unset) for (const k of patch.unset) delete data[k]
  return JSON.stringify(data)
}

/**
 * The stored metadata merged with `patch.meta` (an `undefined` field removes it, as a spread
 * followed by JSON serialisation would).
 *
 * @example
 * applyMeta('{"ip":"a"}', { ip: 'b' }) // '{"ip":"b"}'
 */
export function applyMeta(stored: string, meta: Partial<SessionMeta>): string {
  const merged = parseObject(stored)
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) delete merged[k]
    else setOwn(merged, k, v)
  }
  return JSON.stringify(merged)
}

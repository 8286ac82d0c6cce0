import type { EventLevel, SessionEvent, SessionEventType } from '../../core/events.js'
import type { AuditRecord } from './types.js'

/** A SQL row of an audit table (same column names in SQLite and PostgreSQL). */
export interface AuditRow {
  id: number | string
  at_ms: number | string
  type: string
  level: string
  user_id: string | null
  handle: string | null
  ip: string | null
  user_agent: string | null
  reason: string | null
}

/**
 * Maps a SQL row back to an audit record; absent optional fields stay absent.
 *
 * @example
 * const records = rows.map(rowToRecord)
 */
export function rowToRecord(row: AuditRow): AuditRecord {
  const r: AuditRecord = {
    id: String(row.id),
    type: row.type as SessionEventType,
    level: row.level as EventLevel,
    time: new Date(Number(row.at_ms)).toISOString(),
    userId: row.user_id,
    handle: row.handle,
  }
  if (row.ip !== null) r.ip = row.ip
  if (row.user_agent !== null) r.userAgent = row.user_agent
  if (row.reason !== null) r.reason = row.reason
  return r
}

/**
 * The column values of one event, in the order of {@link AUDIT_COLUMNS}.
 *
 * @example
 * insert.run(...eventToColumns(event))
 */
export function eventToColumns(e: SessionEvent): [number, string, string, ...(string | null)[]] {
  return [
    Date.parse(e.time),
    e.type,
    e.level,
    e.userId ?? null,
    e.handle ?? null,
    e.ip ?? null,
    e.userAgent ?? null,
    e.reason ?? null,
  ]
}

/** Insert column order shared by the SQL backends. */
export const AUDIT_COLUMNS = 'at_ms, type, level, user_id, handle, ip, user_agent, reason'

/**
 * The one shape every backend returns: `userId` and `handle` always present (null when none),
 * `ip`, `userAgent` and `reason` present only when set.
 *
 * @example
 * canonicalRecord(event, '42')
 */
export function canonicalRecord(e: SessionEvent, id: string): AuditRecord {
  const r: AuditRecord = {
    id,
    type: e.type,
    level: e.level,
    time: e.time,
    userId: e.userId ?? null,
    handle: e.handle ?? null,
  }
  if (e.ip != null) r.ip = e.ip
  if (e.userAgent != null) r.userAgent = e.userAgent
  if (e.reason != null) r.reason = e.reason
  return r
}

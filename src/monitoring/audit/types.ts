import { configAssert } from '../../core/errors.js'
import type { SessionEvent, SessionEventType } from '../../core/events.js'
import { type AuditKind, auditKind } from './kind.js'

/** One stored audit event: the event plus the backend's id for it. */
export interface AuditRecord extends SessionEvent {
  /** Backend-assigned id (row id, stream entry id), as a string. */
  id: string
}

/** A query on the audit log. Every filter is optional; results are newest first. */
export interface AuditQuery {
  /** Only this user's events. */
  userId?: string | undefined
  /** Only events of this type. */
  type?: SessionEventType | undefined
  /** Only lifecycle (`info`) or only security (`warn`, `critical`) events. */
  kind?: AuditKind | undefined
  /** Only events at or after this instant (ms since the epoch). */
  from?: number | undefined
  /** Only events strictly before this instant (ms since the epoch). */
  to?: number | undefined
  /** At most this many records. Default {@link DEFAULT_LIMIT}, capped at {@link MAX_LIMIT}. */
  limit?: number | undefined
}

/** Records returned when a query names no limit. */
export const DEFAULT_LIMIT = 100
/** The most records one query returns. */
export const MAX_LIMIT = 1000

/**
 * Where audit events persist. Each backend owns its own table/stream, separate from the session
 * store's, and keeps security events (see {@link AuditKind}) apart from lifecycle events, with
 * their own caps, so that lifecycle volume never evicts a security record. Methods may reject
 * when the backend is down; {@link AuditLog} contains that.
 */
export interface AuditBackend {
  /** Appends events (already cleaned), in order. */
  append(events: readonly SessionEvent[]): Promise<void>
  /** Events matching `query`, newest first. */
  query(query: AuditQuery): Promise<AuditRecord[]>
  /**
   * Deletes events older than `before` (ms), of one kind or of both, and enforces the backend's
   * cap on that kind's rows if it has one; returns how many (approximate for Redis).
   */
  prune(before: number, kind?: AuditKind): Promise<number>
  /** Releases connections the backend opened itself. */
  close(): Promise<void>
}

/**
 * The effective limit of a query: the default when absent, clamped to 1…{@link MAX_LIMIT}.
 *
 * @example
 * queryLimit({ limit: 5000 }) // 1000
 */
export function queryLimit(query: AuditQuery): number {
  const n = query.limit
  if (n === undefined || !Number.isFinite(n)) return DEFAULT_LIMIT
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(n)))
}

/**
 * True when `event` passes the filters of `query` (used by backends that filter in process).
 *
 * @example
 * events.filter((e) => matches(e, Date.parse(e.time), { type: 'session_revoked' }))
 */
export function matches(event: SessionEvent, timeMs: number, query: AuditQuery): boolean {
  if (query.userId !== undefined && event.userId !== query.userId) return false
  if (query.type !== undefined && event.type !== query.type) return false
  if (query.kind !== undefined && auditKind(event) !== query.kind) return false
  if (query.from !== undefined && timeMs < query.from) return false
  if (query.to !== undefined && timeMs >= query.to) return false
  return true
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Validates a table name for SQL backends (it is interpolated, so only plain identifiers pass).
 *
 * @example
 * sqlIdentifier('tessera_audit') // 'tessera_audit'
 */
export function sqlIdentifier(name: string): string {
  configAssert(
    typeof name === 'string' && IDENTIFIER.test(name),
    `audit table name ${JSON.stringify(name)} must be a plain identifier (letters, digits, _)`,
  )
  return name
}

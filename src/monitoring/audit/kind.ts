import type { SessionEvent } from '../../core/events.js'

/**
 * The two classes of audit records, kept apart with their own caps and retention so that the
 * volume of one cannot flush the other: `lifecycle` (level `info`: logins, logouts, expiry,
 * renewals) and `security` (levels `warn` and `critical`: CSRF refusals, token reuse and
 * guessing, throttling, anomalies, failed logins).
 */
export type AuditKind = 'lifecycle' | 'security'

/** Both kinds, lifecycle first. */
export const AUDIT_KINDS: readonly AuditKind[] = Object.freeze(['lifecycle', 'security'])

/**
 * The class of an event: by its level, so a new security event is kept as one without a list
 * to update.
 *
 * @example
 * auditKind({ type: 'malicious_csrf', level: 'warn', time }) // 'security'
 */
export function auditKind(event: Pick<SessionEvent, 'level'>): AuditKind {
  return event.level === 'info' ? 'lifecycle' : 'security'
}

/**
 * True for routine events about a session nobody signed in to (a pre-session's creation,
 * expiry or logout): an anonymous visitor leaves no lasting audit trace. Security events about
 * anonymous sessions are kept.
 *
 * @example
 * isAnonymousLifecycle({ type: 'session_created', level: 'info', reason: 'anonymous', time }) // true
 */
export function isAnonymousLifecycle(event: SessionEvent): boolean {
  if (event.level !== 'info') return false
  if (event.type === 'session_created' && event.reason === 'anonymous') return true
  return event.handle != null && event.userId == null
}

import type { SessionEventType } from 'tessera-session'
import type { AppContext } from '../context.js'
import type { AdminData } from '../pages/admin.js'

/** The event types the admin page offers as filters, the ones an operator looks for first. */
export const AUDIT_TYPES: readonly SessionEventType[] = [
  'authn_login_success',
  'authn_login_fail',
  'authn_login_lock',
  'session_created',
  'session_logout',
  'session_revoked',
  'session_expired',
  'session_renewed',
  'session_anomaly',
  'malicious_csrf',
  'excess_sessions_exceeded',
  'authn_token_reuse',
  'dbsc_registered',
  'dbsc_refresh_failed',
]

/** Reads the app's audit log (`monitoring.audit`); 'unavailable' without one or when it fails. */
export async function readAudit(
  app: AppContext,
  query: { userId?: string | undefined; type?: SessionEventType | undefined; limit: number },
): Promise<AdminData['audit']> {
  const audit = app.monitoring?.audit
  if (!audit) return 'unavailable'
  try {
    // Show the events of the request that led here too (the log writes in batches).
    await audit.flush()
    return await audit.query(query)
  } catch {
    return 'unavailable'
  }
}

import type { SessionRequest } from 'tessera-session/node'
import type { SessionEventType } from 'tessera-session'
import type { AuditKind, AuditQuery } from 'tessera-session/monitoring'
import { type AppContext, requireAdmin } from '../context.js'
import { HttpError, json, type Router } from '../http.js'
import type { AppMonitoring } from '../monitoring.js'

// A record, not a list: adding an event type to the library fails the type check here until
// the audit filter knows it too.
const KNOWN_TYPES: Record<SessionEventType, true> = {
  authn_login_success: true,
  authn_login_fail: true,
  authn_login_lock: true,
  authn_token_reuse: true,
  event_listener_failed: true,
  session_created: true,
  session_renewed: true,
  session_expired: true,
  session_logout: true,
  session_revoked: true,
  session_use_after_expire: true,
  session_token_unknown: true,
  session_token_malformed: true,
  session_cookie_duplicate: true,
  session_anomaly: true,
  session_evicted: true,
  excess_sessions_exceeded: true,
  malicious_csrf: true,
  store_unavailable: true,
  store_recovered: true,
  store_background_error: true,
  dbsc_registered: true,
  dbsc_refreshed: true,
  dbsc_refresh_failed: true,
}
const EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(KNOWN_TYPES))
// The same for the audit log's kinds (a record: a new kind fails the type check here).
const KNOWN_KINDS: Record<AuditKind, true> = { lifecycle: true, security: true }
const KINDS: ReadonlySet<string> = new Set(Object.keys(KNOWN_KINDS))
const LIMIT = /^[1-9]\d{0,3}$/
const LOOPBACK = new Set(['127.0.0.1', '::1'])

function bad(message: string): never {
  throw new HttpError(400, 'ERR_BAD_REQUEST', message)
}

/**
 * Reads `user`, `type`, `kind` (`lifecycle` or `security`), `limit`, `from`, `to` from a query
 * string; anything malformed is a 400 (never a 5xx, never echoed back).
 *
 * @example
 * auditQuery('user=u1&kind=security&limit=20')
 */
export function auditQuery(query: string): AuditQuery {
  const q = new URLSearchParams(query)
  const out: AuditQuery = { limit: 100 }
  const user = q.get('user')
  if (user !== null) {
    if (user.length === 0 || user.length > 128) bad('user must have 1 to 128 characters')
    out.userId = user
  }
  const type = q.get('type')
  if (type !== null) {
    if (!EVENT_TYPES.has(type)) bad('unknown event type')
    out.type = type as SessionEventType
  }
  const kind = q.get('kind')
  if (kind !== null) {
    if (!KINDS.has(kind)) bad(`kind must be one of ${[...KINDS].join(', ')}`)
    out.kind = kind as AuditKind
  }
  const limit = q.get('limit')
  if (limit !== null) {
    if (!LIMIT.test(limit) || Number(limit) > 1000) bad('limit must be an integer from 1 to 1000')
    out.limit = Number(limit)
  }
  for (const key of ['from', 'to'] as const) {
    const v = q.get(key)
    if (v === null) continue
    const ms = v.length <= 40 ? Date.parse(v) : Number.NaN
    if (Number.isNaN(ms)) bad(`${key} must be an ISO 8601 date`)
    out[key] = ms
  }
  return out
}

/** True for requests from this machine (after the trusted-proxy rules). */
function fromLoopback(req: SessionRequest): boolean {
  const ip = req.tessera.input.ip
  return ip !== undefined && LOOPBACK.has(ip)
}

/**
 * `GET /api/admin/audit` (admins) and `GET /metrics` (admins, or a loopback client such as a
 * Prometheus agent on the same host). Behind a reverse proxy on the same host, set
 * `TRUST_PROXY` so that remote clients are not mistaken for loopback ones.
 *
 * @example
 * adminApiRoutes(router, ctx, monitoring)
 */
export function adminApiRoutes(router: Router, app: AppContext, monitoring: AppMonitoring): void {
  router.on('GET', '/api/admin/audit', async (req, res) => {
    requireAdmin(app, req)
    const query = auditQuery(req.tessera.input.query)
    if (!monitoring.audit) return json(res, 200, { events: [] })
    let events: Awaited<ReturnType<typeof monitoring.audit.query>>
    try {
      events = await monitoring.audit.query(query)
    } catch {
      throw new HttpError(503, 'ERR_AUDIT_UNAVAILABLE', 'audit log temporarily unavailable')
    }
    json(res, 200, {
      events: events.map((e) => ({
        id: e.id,
        time: e.time,
        type: e.type,
        level: e.level,
        userId: e.userId ?? null,
        handle: e.handle ?? null,
        ip: e.ip ?? null,
        userAgent: e.userAgent ?? null,
        reason: e.reason ?? null,
      })),
    })
  })

  router.on('GET', '/metrics', async (req, res) => {
    if (!fromLoopback(req)) requireAdmin(app, req)
    const metrics = monitoring.metrics
    if (!metrics) throw new HttpError(404, 'ERR_NOT_FOUND', 'metrics are disabled')
    const text = await metrics.registry.metrics()
    res.statusCode = 200
    res.setHeader('content-type', metrics.registry.contentType)
    res.setHeader('cache-control', 'no-store')
    res.end(text)
  })
}

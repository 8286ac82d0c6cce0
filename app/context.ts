import type { SessionRequest } from '../src/adapters/node/index.js'
import type { SessionManager } from '../src/core/manager.js'
import type { SessionRecord } from '../src/core/record.js'
import type { AppConfig } from './config.js'
import { HttpError } from './http.js'
import type { AppMonitoring } from './monitoring.js'
import type { User, UserDirectory } from './users.js'

/** Everything the routes share. */
export interface AppContext {
  config: AppConfig
  sessions: SessionManager
  users: UserDirectory
  /** Audit log and metrics (the admin page reads `monitoring.audit`). */
  monitoring?: AppMonitoring | undefined
}

/**
 * The signed-in user of a cookie session, else of a verified bearer access token (the bearer
 * plugin has checked its signature, claims and, in stateful mode, that its session is live), or
 * a 401.
 */
export function requireUser(app: AppContext, req: SessionRequest): User {
  const id = req.session.userId ?? req.tessera.locals.bearer?.claims.sub
  const user = id ? app.users.byId(id) : undefined
  if (!user || user.disabled)
    throw new HttpError(401, 'ERR_UNAUTHENTICATED', 'authentication required')
  return user
}

/** The session record behind the request's user: the cookie session's, else the bearer token's. */
export function currentRecord(req: SessionRequest): SessionRecord {
  const record = req.session.userId
    ? req.session.record
    : (req.tessera.locals.bearer?.record ?? null)
  if (!record) throw new HttpError(401, 'ERR_UNAUTHENTICATED', 'authentication required')
  return record
}

/** Like {@link requireUser}, and the (re-)authentication must be fresh. */
export function requireFresh(app: AppContext, req: SessionRequest): User {
  const user = requireUser(app, req)
  if (!req.session.isFresh())
    throw new HttpError(401, 'ERR_REAUTH_REQUIRED', 're-authentication required')
  return user
}

/** Like {@link requireUser}, and the user must be an admin. */
export function requireAdmin(app: AppContext, req: SessionRequest): User {
  const user = requireUser(app, req)
  if (user.role !== 'admin') throw new HttpError(403, 'ERR_FORBIDDEN', 'admin only')
  return user
}

/** The CSRF token to hand to the client, when the CSRF plugin is active. */
export function csrfTokenOf(req: SessionRequest): string | null {
  return req.tessera.locals.csrfToken?.() ?? null
}

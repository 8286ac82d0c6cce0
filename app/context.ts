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

/** The session timestamps `/api/me` shows. */
export type SessionTimes = Pick<
  SessionRecord,
  'handle' | 'createdAt' | 'lastSeenAt' | 'idleExpiresAt' | 'absoluteExpiresAt'
>

/**
 * The session behind the request's user: the cookie session's record, else the bearer token's
 * (stateful mode). In stateless token mode nothing is read from the store, so the token's own
 * `iat`/`exp` are all the server knows.
 */
export function currentRecord(req: SessionRequest): SessionTimes {
  if (req.session.userId && req.session.record) return req.session.record
  const bearer = req.tessera.locals.bearer
  if (bearer?.record) return bearer.record
  if (!bearer) throw new HttpError(401, 'ERR_UNAUTHENTICATED', 'authentication required')
  const { sid, iat, exp } = bearer.claims
  return {
    handle: sid,
    createdAt: iat * 1000,
    lastSeenAt: iat * 1000,
    idleExpiresAt: exp * 1000,
    absoluteExpiresAt: exp * 1000,
  }
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

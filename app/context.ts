import type { SessionRequest } from 'tessera-session/node'
import {
  parseSessionHandle,
  type SessionManager,
  type SessionRecord,
  type SessionRef,
} from 'tessera-session'
import type { Dbsc } from 'tessera-session/dbsc'
import type { LoginThrottle } from 'tessera-session/throttle'
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
  /** Login budgets (`LOGIN_THROTTLE`); none when turned off. */
  throttle?: LoginThrottle | null | undefined
  /** Device Bound Session Credentials (`DBSC`); none when turned off. */
  dbsc?: Dbsc | null | undefined
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

/**
 * True when `user` (re-)authenticated within `REAUTH_WINDOW` in the session this request acts
 * through: the cookie session when it belongs to `user`, else the token session of the
 * request's bearer token for `user`. Freshness is bound to who authenticated: a fresh session
 * of anyone else (or an anonymous one) never counts.
 *
 * @example
 * if (!isFreshFor(app, req, user)) return redirect(res, '/security?why=reauth')
 */
export function isFreshFor(app: AppContext, req: SessionRequest, user: User): boolean {
  const s = req.session
  if (s.userId !== null) return s.userId === user.id && s.isFresh()
  const bearer = req.tessera.locals.bearer
  const r = bearer?.record
  if (!bearer || bearer.claims.sub !== user.id || !r || r.userId !== user.id) return false
  const o = app.sessions.options
  return typeof r.authenticatedAt === 'number' && o.clock.now() - r.authenticatedAt < o.reauthMs
}

/** Like {@link requireUser}, and that user's (re-)authentication must be fresh. */
export function requireFresh(app: AppContext, req: SessionRequest): User {
  const user = requireUser(app, req)
  if (!isFreshFor(app, req, user))
    throw new HttpError(401, 'ERR_REAUTH_REQUIRED', 're-authentication required')
  return user
}

/**
 * The session the request acts through: the cookie session when signed in, else the bearer's
 * token session as `{ userId, handle }`; null without one. What `except`, `list` and
 * `revokeOthers` take.
 *
 * @example
 * await app.sessions.revokeUser(user.id, { except: currentSession(req) })
 */
export function currentSession(req: SessionRequest): SessionRef | null {
  if (req.session.userId !== null) return req.session
  const bearer = req.tessera.locals.bearer
  return bearer
    ? { userId: bearer.claims.sub, handle: parseSessionHandle(bearer.claims.sid) }
    : null
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

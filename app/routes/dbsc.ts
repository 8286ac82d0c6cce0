import { sharedSecret } from '../secrets.js'
import type { ServerResponse } from 'node:http'
import type { SessionManager, SessionRef, SessionSummary } from 'tessera-session'
import type { SessionRequest } from 'tessera-session/node'
import { createDbsc, type Dbsc, type DbscReply } from 'tessera-session/dbsc'
import type { LoginThrottle } from 'tessera-session/throttle'
import { ConfigError } from '../config.js'
import type { AppContext } from '../context.js'
import { HttpError, type Router } from '../http.js'

/**
 * The routes whose requests must carry the bound cookie when their session is bound: money,
 * the password, and ending the user's other sessions (from a copied cookie, that is how a thief
 * locks the victim out). Routes with a parameter call {@link requireBoundCookie} themselves.
 */
export const BOUND_ROUTES = [
  '/api/transfer',
  '/account/transfer',
  '/api/password',
  '/security/password',
  '/api/sessions/revoke-others',
  '/sessions/revoke-others',
]

/**
 * The guard of {@link BOUND_ROUTES} for routes with path parameters (the plugin matches exact
 * paths): throws the refusal when the session is bound and the request lacks a valid bound
 * cookie (a 307 keeps its `Location`, so a DBSC browser refreshes and repeats the request).
 * Unbound sessions pass. Used where a session ends *another* session: ending one's own
 * (logging out) stays open to a browser whose refresh failed.
 *
 * @example
 * if (handle !== req.session.handle) requireBoundCookie(app, req, res)
 */
export function requireBoundCookie(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
): void {
  const refusal = app.dbsc?.requireBound(req.tessera, 'allow')
  if (!refusal) return
  for (const [name, value] of refusal.headers ?? []) res.setHeader(name, value)
  throw new HttpError(refusal.status, refusal.code, refusal.message)
}

/**
 * Device Bound Session Credentials for the reference app (`DBSC=on`, the default; `off` turns
 * it off). `DBSC_SECRET` keys the bound cookie; every process behind one address must share it
 * (required with `NODE_ENV=production`; elsewhere a random one is made at start, and bound
 * sessions refresh once after a restart).
 * Transfers and password changes demand the bound cookie on bound sessions; browsers without
 * DBSC keep working (`unbound: 'allow'`). Failed proofs count on the login throttle.
 */
export function appDbsc(
  sessions: SessionManager,
  throttle: LoginThrottle | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Dbsc | null {
  const mode = env.DBSC ?? 'on'
  if (mode !== 'on' && mode !== 'off')
    throw new ConfigError(`DBSC=${JSON.stringify(mode)} is invalid: must be on or off`)
  if (mode === 'off') return null
  // Required in production: a secret per process would make each process read the others'
  // bound cookies as invalid (a 307 and a critical anomaly on every request).
  const secret = sharedSecret(env, 'DBSC_SECRET', 'or set DBSC=off')
  if (Buffer.byteLength(secret) < 32)
    throw new ConfigError(
      'DBSC_SECRET is invalid: must be at least 32 bytes; run `npx tessera-session keygen`',
    )
  return createDbsc({
    sessions,
    secret,
    throttle,
    guard: { paths: BOUND_ROUTES, unbound: 'allow' },
  })
}

function send(res: ServerResponse, reply: DbscReply): void {
  res.statusCode = reply.status
  for (const [name, value] of reply.headers) res.appendHeader(name, value)
  res.end(reply.body)
}

/** `POST /dbsc/register` and `POST /dbsc/refresh`, answered by the library. */
export function dbscRoutes(router: Router, dbsc: Dbsc | null): void {
  if (!dbsc) return
  router.on('POST', dbsc.registrationPath, async (req, res) => {
    send(res, await dbsc.register(req.tessera))
  })
  router.on('POST', dbsc.refreshPath, async (req, res) => {
    send(res, await dbsc.refresh(req.tessera))
  })
}

/**
 * The sessions list of `current`'s user (as `sessions.list`), each row with `bound` when DBSC
 * is on.
 *
 * @example
 * sendPage(res, 200, sessionsPage(view(app, req), await sessionRows(app, req.session)))
 */
export function sessionRows(
  app: AppContext,
  current: SessionRef,
): Promise<Array<SessionSummary & { bound?: boolean }>> {
  return app.dbsc ? app.dbsc.list(current) : app.sessions.list(current)
}

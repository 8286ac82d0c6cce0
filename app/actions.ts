// The account actions the JSON API (routes/api.ts) and the HTML forms (routes/pages.ts) share:
// one implementation, so the two front ends cannot drift apart in what they check.
import type { ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'
import { type AppContext, currentSession, requireFresh, requireUser } from './context.js'
import { HttpError } from './http.js'
import { verifyThrottled } from './login-guard.js'
import type { User } from './users.js'

/** Moves money between demo accounts; shared by the JSON API and the HTML form. */
export function transfer(app: AppContext, from: User, to: unknown, amount: unknown): number {
  const target = typeof to === 'string' ? app.users.all().find((u) => u.username === to) : undefined
  if (!target || target.id === from.id)
    throw new HttpError(400, 'ERR_BAD_TRANSFER', 'unknown recipient')
  const value = typeof amount === 'string' ? Number(amount) : amount
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    Math.round(value * 100) !== value * 100
  ) {
    throw new HttpError(
      400,
      'ERR_BAD_TRANSFER',
      'amount must be a positive number with at most two decimals',
    )
  }
  if (value > from.balance) throw new HttpError(400, 'ERR_INSUFFICIENT_FUNDS', 'insufficient funds')
  from.balance = Math.round((from.balance - value) * 100) / 100
  target.balance = Math.round((target.balance + value) * 100) / 100
  return from.balance
}

/** Logs a user in: verify, regenerate (new token, old one dead), record the event. */
export async function login(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
  username: unknown,
  password: unknown,
): Promise<User> {
  // Throttled (429 + Retry-After), hashes bounded (503); sets the device cookie on success.
  const user = await verifyThrottled(app, req, res, username, password, true)
  if (!user) {
    app.sessions.emit({
      type: 'authn_login_fail',
      level: 'warn',
      userId: typeof username === 'string' ? username.slice(0, 64) : null,
      ip: req.session.request.ip,
      userAgent: req.session.request.userAgent,
      reason: 'bad_credentials',
    })
    throw new HttpError(401, 'ERR_BAD_CREDENTIALS', 'invalid username or password')
  }
  await req.session.regenerate({
    userId: user.id,
    authenticated: true,
    meta: { authMethod: 'password', kind: 'cookie' },
  })
  app.sessions.emit({
    type: 'authn_login_success',
    level: 'info',
    userId: user.id,
    handle: req.session.handle,
    ip: req.session.request.ip,
    userAgent: req.session.request.userAgent,
  })
  return user
}

/**
 * Changes the password: ends every other session of the user, rotates this one. Ordered to
 * fail safe under a store fault: the other sessions end *before* the password changes, and
 * again after it (catching sign-ins that checked the old password meanwhile); if anything
 * fails once the password has changed, the old password is put back. So an error never
 * leaves "password changed, other sessions alive" behind it; at worst the other sessions
 * ended and the password did not change, and the user may simply try again.
 */
export async function changePassword(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
  current: unknown,
  next: unknown,
): Promise<void> {
  const user = requireFresh(app, req)
  // Under the login throttle, like every password check (no device cookie is issued here).
  if (!(await verifyThrottled(app, req, res, user.username, current, false)))
    throw new HttpError(401, 'ERR_BAD_CREDENTIALS', 'current password is wrong')
  if (typeof next !== 'string' || next.length < 8 || next.length > 256)
    throw new HttpError(400, 'ERR_WEAK_PASSWORD', 'the new password must have 8 to 256 characters')
  const others = { except: currentSession(req), reason: 'password_change' }
  await app.sessions.revokeUser(user.id, others)
  const previous = user.passwordHash
  await app.users.setPassword(user, next)
  try {
    await app.sessions.revokeUser(user.id, others)
    if (req.session.userId === user.id) {
      app.dbsc?.end(req.session) // the device binding ends with the old password
      await req.session.regenerate({ authenticated: true })
    }
  } catch (error) {
    // The caller sees an error: it must mean "not changed".
    user.passwordHash = previous
    throw error
  }
}

/**
 * Re-authenticates: checks the password, then rotates the cookie session and marks it fresh,
 * or, for a bearer client, marks its token session fresh (a stateless token has none: it signs
 * in again instead).
 */
export async function reauth(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
  password: unknown,
): Promise<void> {
  const user = requireUser(app, req)
  // Throttled like a sign-in: a stolen session cookie must not make an unlimited password
  // oracle, nor a signed-in user's flood of wrong passwords a queue of priority hashes.
  if (!(await verifyThrottled(app, req, res, user.username, password, false))) {
    app.sessions.emit({
      type: 'authn_login_fail',
      level: 'warn',
      userId: user.id,
      handle: req.session.handle,
      ip: req.session.request.ip,
      reason: 'reauth_failed',
    })
    throw new HttpError(401, 'ERR_BAD_CREDENTIALS', 'wrong password')
  }
  // Freshness goes to the session of the user who just proved it, never to another one.
  if (req.session.userId === user.id) return req.session.regenerate({ authenticated: true })
  const record = req.tessera.locals.bearer?.record
  if (!record)
    throw new HttpError(400, 'ERR_REAUTH_UNSUPPORTED', 'sign in again to get a fresh token')
  const now = app.sessions.options.clock.now()
  await app.sessions.updateRecord(record.id, { authenticatedAt: now })
}

/**
 * Ends every session of `target` on an admin's order (the admin's own current session
 * excepted), and records who gave it: each `session_revoked` event names the acting admin
 * (`reason: 'admin:<id>'`) and carries the admin's IP and User-Agent.
 *
 * @example
 * const revoked = await adminRevokeUser(app, req, requireAdmin(app, req), target)
 */
export async function adminRevokeUser(
  app: AppContext,
  req: SessionRequest,
  admin: User,
  target: User,
): Promise<number> {
  // Every session_revoked event names the acting admin, their address and browser.
  return app.sessions.admin.revokeUser(target.id, {
    except: admin.id === target.id ? currentSession(req) : null,
    reason: 'admin',
    actor: {
      userId: admin.id,
      ip: req.session.request.ip,
      userAgent: req.session.request.userAgent,
    },
  })
}

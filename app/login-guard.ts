import type { ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'
import { TesseraError } from 'tessera-session'
import type { AppContext } from './context.js'
import { HttpError } from './http.js'
import type { User } from './users.js'

function refuse(res: ServerResponse, status: 429 | 503, retryAfterSec: number): never {
  res.setHeader('retry-after', String(retryAfterSec))
  // Flow control under a flood, not a fault: no stack trace to capture for each refused try.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    throw new HttpError(
      status,
      'ERR_TOO_MANY_REQUESTS',
      status === 429
        ? 'too many sign-in attempts; try again later'
        : 'too many sign-ins in progress; try again shortly',
    )
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Checks a password under the login throttle: refuses a spent budget with 429 and
 * `Retry-After` before any hashing, and an overloaded hash queue with 503 (`Retry-After: 1`,
 * the try given back). On success resets the budget and, when `deviceCookie` is set, appends
 * the device cookie to the response. A failure stays counted. Returns the user or null.
 *
 * @example
 * const user = await verifyThrottled(app, req, res, body.username, body.password, true)
 */
export async function verifyThrottled(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
  username: unknown,
  password: unknown,
  deviceCookie: boolean,
): Promise<User | null> {
  const throttle = app.throttle
  // Malformed input is refused without a hash, so it needs no budget either.
  if (!throttle || typeof username !== 'string' || typeof password !== 'string')
    return guarded(res, () => app.users.verify(username, password, false))
  const { ip, userAgent } = req.session.request
  const t = await throttle.begin(
    { username, ip, userAgent, cookieHeader: req.headers.cookie },
    // A full hash queue refuses before the try is counted: no store writes for a flood.
    { busy: (trusted) => app.users.busy(trusted) },
  )
  if (!t.ok) return t.busy ? refuse(res, 503, 1) : refuse(res, 429, t.retryAfterSec)
  let user: User | null
  try {
    user = await guarded(res, () => app.users.verify(username, password, t.trusted))
  } catch (error) {
    await t.cancel()
    throw error
  }
  if (user) {
    const cookie = await t.succeeded()
    if (cookie && deviceCookie) res.appendHeader('set-cookie', cookie)
  } else t.failed() // `authn_login_lock` once this failure spent a budget
  return user
}

/**
 * Charges a failed refresh-token exchange to the client's address budget; once that is spent,
 * the failure answers 429 with `Retry-After` instead of 401. Valid refresh tokens are never
 * counted nor refused, so a busy shared address cannot block its honest clients.
 *
 * @example
 * try { pair = await tokens.refresh(token) } catch (e) { await chargeFailedRefresh(app, req, res); throw e }
 */
export async function chargeFailedRefresh(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
): Promise<void> {
  const { ip, userAgent } = req.session.request
  const t = await app.throttle?.begin({ ip, userAgent })
  if (t && !t.ok) refuse(res, 429, t.retryAfterSec)
  t?.failed()
}

async function guarded(res: ServerResponse, verify: () => Promise<User | null>) {
  try {
    return await verify()
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'ERR_TOO_MANY_REQUESTS')
      return refuse(res, 503, 1)
    throw error
  }
}

import type { ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'
import type { AppContext } from './context.js'

/**
 * What logout sends as `Clear-Site-Data`: cache and storage, not `"cookies"`. That directive
 * would also wipe the device cookie (`__Host-tessera-device`), and the user's next sign-in would
 * look like a stranger's: no budget of its own under the login throttle, and a `new_device`
 * alert. The cookies of the session are expired one by one instead (see
 * {@link expireSessionCookies}). A header is still sent, so whatever keys on it (the DBSC
 * plugin clears its bound cookie when a response carries one) keeps working.
 */
export const LOGOUT_CLEAR_SITE_DATA = '"cache", "storage"'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/
// A browser sends at most a few dozen cookies to one site; more is not a browser.
const MAX_COOKIES = 50

/**
 * Expires every cookie the logout request carried except the device cookie: what
 * `Clear-Site-Data: "cookies"` did, minus the one cookie that must outlive the session. The
 * session cookie is left to the session manager, which clears it with its own attributes; the
 * others (the pre-login CSRF cookie, BFF token cookies, the DBSC bound cookie, …) get a clearing
 * `Set-Cookie` with the session cookie's attributes, the site's cookie scope.
 *
 * @example
 * await req.session.destroy({ reason: 'user' })
 * expireSessionCookies(app, req, res)
 */
export function expireSessionCookies(
  app: AppContext,
  req: SessionRequest,
  res: ServerResponse,
): void {
  const keep = new Set([app.sessions.options.cookie.name])
  const device = app.throttle?.deviceCookieName
  if (device) keep.add(device)
  const attributes = app.sessions.options.cookieAttributes
  const seen = new Set<string>()
  for (const part of (req.headers.cookie ?? '').split(';')) {
    if (seen.size >= MAX_COOKIES) break
    const eq = part.indexOf('=')
    const name = (eq < 0 ? '' : part.slice(0, eq)).trim()
    if (!TOKEN.test(name) || keep.has(name) || seen.has(name)) continue
    seen.add(name)
    res.appendHeader(
      'set-cookie',
      `${name}=${attributes}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    )
  }
}

import type { Duration } from '../core/duration.js'
import type { EventLevel } from '../core/events.js'
import type { SessionManager } from '../core/manager.js'
import type { RequestInput } from '../pipeline/types.js'
import type { SourceRefusal } from './origin.js'

/** Why a request was refused: the `reason` of its `malicious_csrf` event. */
export type CsrfRefusal =
  | SourceRefusal
  | 'no_session'
  | 'token_missing'
  | 'token_invalid'
  | 'token_unverified'

/** Login CSRF without a stored pre-session: see {@link CsrfOptions.preLogin}. */
export interface PreLoginOptions {
  /** The login endpoints (exact paths) that accept a pre-login token, e.g. `['/login', '/api/login']`. */
  paths: readonly string[]
  /**
   * Key material (at least 32 bytes) shared by every process serving the site; a key for this
   * use alone is derived from it. Default: random per process, so a token issued by one
   * process is refused by another.
   */
  secret?: string | Uint8Array | undefined
  /** How long a pre-login token is valid (and the cookie kept). Default `1h`. */
  ttl?: Duration | undefined
  /** Name of the nonce cookie. Default: the session cookie's name + `-csrf` (`__Host-sid-csrf`). */
  cookie?: string | undefined
}

/** Options of `csrf()`. */
export interface CsrfOptions {
  /** The session manager: its cookie name and its event bus (refusals emit `malicious_csrf`). */
  sessions: SessionManager
  /** The exact origins the app is served under, e.g. `['https://bank.example']`. Required. */
  origins: readonly string[]
  /**
   * Sibling origins on the same site that may post here. Only when this is non-empty is
   * `Sec-Fetch-Site: same-site` accepted, and then `Origin` must be one of these or `origins`.
   */
  trustedOrigins?: readonly string[]
  /** Request header carrying the token. Default `x-csrf-token`. Lower-case. */
  header?: string
  /** Paths (exact) with no ambient authority to protect, e.g. token endpoints. Default none. */
  exemptPaths?: readonly string[]
  /**
   * Paths (exact) where a request without a live session needs no token, because there is
   * nothing to protect: logout (an expired session's user must still be able to "log out"
   * and get the clearing cookie). Fetch Metadata and `Origin` are still checked, and with a
   * live session a token is required as everywhere else, except that a token of the
   * session's previous secret (a tab opened before a re-authentication) passes when the
   * browser proves the request same-origin (`Origin` one of `origins`, or, without `Origin`,
   * `Sec-Fetch-Site: same-origin`). Default none.
   */
  exemptWithoutSession?: readonly string[]
  /**
   * Which form posts (`application/x-www-form-urlencoded`, `multipart/form-data`) without the
   * header may reach their route, which must then call `verifyCsrf(ctx, form.csrf)` before
   * doing anything. The predicate sees the path as routers match it: percent-decoded,
   * lower-cased, repeated slashes collapsed (so write it in lower case). A deferred request
   * whose token was never verified when its response starts is answered 403 instead (fail
   * closed). Fetch Metadata and Origin are still checked here. Default: none.
   */
  deferForms?: (input: RequestInput) => boolean
  /**
   * Login CSRF with nothing stored: visitors without a session get a signed, short-lived token
   * bound to a nonce cookie, accepted on `paths` only. Without this option, issuing a token to
   * a visitor without a session starts a stored pre-session.
   */
  preLogin?: PreLoginOptions | undefined
}

/**
 * The level of a refusal: `critical` for a foreign source or a wrong token on a live session,
 * `warn` for refusals without a session (nothing could have been forged).
 *
 * @example
 * refusalLevel('no_session', false) // 'warn'
 */
export function refusalLevel(reason: CsrfRefusal, liveSession: boolean): EventLevel {
  switch (reason) {
    case 'no_session':
    case 'token_missing':
    case 'token_invalid':
    case 'token_unverified':
      return liveSession ? 'critical' : 'warn'
    default:
      return 'critical'
  }
}

import { readCookie } from '../core/cookie.js'
import type { TokenPair } from './refresh-flow.js'

/** Cookie carrying the access token in browser (BFF) mode. */
export const ACCESS_COOKIE = '__Host-tessera-at'
/** Cookie carrying the refresh token in browser (BFF) mode. */
export const REFRESH_COOKIE = '__Host-tessera-rt'

// `__Host-` demands Secure, Path=/ and no Domain. Strict: no cross-site request ever carries
// them, which is what keeps an ambient token from becoming a CSRF vector.
const ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict'

/**
 * `Set-Cookie` values that carry a token pair in `__Host-` HttpOnly cookies instead of the
 * response body, so page scripts never see the tokens. `refreshMaxAgeSec` should be the refresh
 * token's absolute lifetime; the server enforces the real deadlines either way.
 *
 * @example
 * for (const c of bffCookies(pair, 12 * 3600)) res.appendHeader('set-cookie', c)
 */
export function bffCookies(pair: TokenPair, refreshMaxAgeSec: number): string[] {
  return [
    `${ACCESS_COOKIE}=${pair.access_token}; ${ATTRIBUTES}; Max-Age=${pair.expires_in}`,
    `${REFRESH_COOKIE}=${pair.refresh_token}; ${ATTRIBUTES}; Max-Age=${Math.floor(refreshMaxAgeSec)}`,
  ]
}

/**
 * `Set-Cookie` values that delete both BFF cookies (same attributes, `Max-Age=0`).
 *
 * @example
 * for (const c of clearBffCookies()) res.appendHeader('set-cookie', c)
 */
export function clearBffCookies(): string[] {
  return [
    `${ACCESS_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`,
    `${REFRESH_COOKIE}=; ${ATTRIBUTES}; Max-Age=0`,
  ]
}

/**
 * The refresh token from the BFF cookie, or undefined (absent, duplicated or malformed header).
 *
 * @example
 * const rt = body.refresh_token ?? refreshFromCookie(req.headers.cookie)
 */
export function refreshFromCookie(cookieHeader: string | undefined): string | undefined {
  const c = readCookie(cookieHeader, REFRESH_COOKIE)
  return c.kind === 'value' ? c.value : undefined
}

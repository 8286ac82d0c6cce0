import { configAssert } from './errors.js'

/** Largest Cookie header Tessera will scan; longer headers are treated as carrying no session. */
export const MAX_COOKIE_HEADER = 16_384
/** Largest cookie (name, value and attributes) Tessera writes; browsers drop larger ones. */
export const MAX_COOKIE_BYTES = 4096

/** `SameSite` values. */
export type SameSite = 'Strict' | 'Lax' | 'None'

/** Attributes of the session cookie. Defaults are in {@link DEFAULT_COOKIE}. */
export interface CookieOptions {
  /** Cookie name. Default `__Host-sid`; the `__Host-` prefix pins it to this host and path `/`. */
  name: string
  /** `Secure` attribute. Default true; browsers still accept it on `http://localhost`. */
  secure: boolean
  /** `HttpOnly` attribute. Default true, so page scripts cannot read the session. */
  httpOnly: boolean
  /** `SameSite` attribute. Default `Lax`. */
  sameSite: SameSite
  /** `Path`. Default `/`. */
  path: string
  /** `Domain`. Default none (host-only). Not allowed with `__Host-`. */
  domain?: string | undefined
}

/** The secure defaults, as data. */
export const DEFAULT_COOKIE: Readonly<CookieOptions> = Object.freeze({
  name: '__Host-sid',
  secure: true,
  httpOnly: true,
  sameSite: 'Lax',
  path: '/',
})

// RFC 9110 token characters: the only ones allowed in a cookie name.
const TOKEN_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash.
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/
const PATH_VALUE = /^\/[\x20-\x3A\x3C-\x7E]*$/
const DOMAIN_VALUE = /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/

/**
 * Merges `options` over the defaults and refuses unsafe or invalid combinations with a message
 * that says how to fix them.
 *
 * @example
 * resolveCookieOptions({ sameSite: 'Strict' })
 */
export function resolveCookieOptions(
  options: Partial<CookieOptions> | undefined,
  context: { production: boolean },
): CookieOptions {
  // A key given as undefined keeps its default: `{ httpOnly: config.httpOnly }` with the
  // setting absent must not drop HttpOnly (nor Secure, nor crash on the name).
  const given = Object.entries(options ?? {}).filter(([, value]) => value !== undefined)
  const o: CookieOptions = { ...DEFAULT_COOKIE, ...Object.fromEntries(given) }
  configAssert(
    TOKEN_NAME.test(o.name),
    `cookie.name ${JSON.stringify(o.name)} is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
  )
  configAssert(
    ['Strict', 'Lax', 'None'].includes(o.sameSite),
    `cookie.sameSite must be 'Strict', 'Lax' or 'None'`,
  )
  configAssert(
    PATH_VALUE.test(o.path),
    'cookie.path must start with "/" and contain no ";" or control characters',
  )
  if (o.domain !== undefined) {
    configAssert(
      DOMAIN_VALUE.test(o.domain),
      `cookie.domain ${JSON.stringify(o.domain)} is not a host name`,
    )
  }
  if (o.name.startsWith('__Host-')) {
    configAssert(
      o.domain === undefined,
      'a __Host- cookie cannot have a Domain: remove cookie.domain, or rename the cookie with the __Secure- prefix to share it with subdomains',
    )
    configAssert(
      o.path === '/',
      'a __Host- cookie must have Path=/: remove cookie.path, or drop the __Host- prefix',
    )
    configAssert(
      o.secure,
      'a __Host- cookie must be Secure: set cookie.secure to true (browsers accept Secure cookies on http://localhost)',
    )
  }
  if (o.name.startsWith('__Secure-')) {
    configAssert(o.secure, 'a __Secure- cookie must be Secure: set cookie.secure to true')
  }
  if (o.sameSite === 'None') {
    configAssert(
      o.secure,
      'SameSite=None requires Secure: set cookie.secure to true, or use SameSite=Lax',
    )
  }
  if (context.production) {
    configAssert(
      o.secure,
      'cookie.secure is false in production: session cookies would travel over plain HTTP. Serve HTTPS and set cookie.secure to true',
    )
    configAssert(
      o.httpOnly,
      'cookie.httpOnly is false in production: any XSS could steal the session. Set cookie.httpOnly to true',
    )
  }
  return o
}

/**
 * Builds the fixed attribute suffix once, at construction, so that the hot path only
 * concatenates strings.
 *
 * @example
 * cookieAttributes(DEFAULT_COOKIE) // '; Path=/; HttpOnly; Secure; SameSite=Lax'
 */
export function cookieAttributes(o: CookieOptions): string {
  let s = `; Path=${o.path}`
  if (o.domain) s += `; Domain=${o.domain}`
  if (o.httpOnly) s += '; HttpOnly'
  if (o.secure) s += '; Secure'
  s += `; SameSite=${o.sameSite}`
  return s
}

/**
 * Serialises one `Set-Cookie` value. `maxAgeSeconds` undefined means a browser-session cookie;
 * 0 means "delete now" (with an `Expires` in the past for old clients).
 *
 * @example
 * serializeCookie('__Host-sid', token, '; Path=/; HttpOnly; Secure; SameSite=Lax')
 */
export function serializeCookie(
  name: string,
  value: string,
  attributes: string,
  maxAgeSeconds?: number,
): string {
  // Values are our own base64url tokens; refuse anything else rather than encode it.
  if (!COOKIE_OCTETS.test(value))
    throw new TypeError('cookie value contains characters outside RFC 6265 cookie-octet')
  let s = `${name}=${value}${attributes}`
  if (maxAgeSeconds !== undefined) {
    s += `; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`
    if (maxAgeSeconds <= 0) s += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
  }
  if (s.length > MAX_COOKIE_BYTES) throw new RangeError('cookie would exceed 4096 bytes')
  return s
}

/** What {@link readCookie} found. */
export type CookieLookup =
  | { kind: 'absent' }
  | { kind: 'duplicate' }
  | { kind: 'invalid' }
  | { kind: 'value'; value: string }

const ABSENT: CookieLookup = Object.freeze({ kind: 'absent' })
const DUPLICATE: CookieLookup = Object.freeze({ kind: 'duplicate' })
const INVALID: CookieLookup = Object.freeze({ kind: 'invalid' })

/**
 * Finds the cookie named `name` in a `Cookie` request header, for hostile input: the name must
 * match exactly (case-sensitive, no percent-decoding), a second occurrence makes the result
 * `duplicate` (cookie tossing), and control characters, bad quoting or over-size values make it
 * `invalid`. It never throws.
 *
 * @example
 * readCookie('a=1; __Host-sid=abc', '__Host-sid') // { kind: 'value', value: 'abc' }
 */
export function readCookie(header: string | undefined | null, name: string): CookieLookup {
  if (typeof header !== 'string' || header.length === 0) return ABSENT
  if (header.length > MAX_COOKIE_HEADER) return INVALID
  let found: string | undefined
  const len = header.length
  let start = 0
  while (start < len) {
    let end = header.indexOf(';', start)
    if (end === -1) end = len
    // Skip optional whitespace before the pair (RFC 6265 allows SP, browsers send "; ").
    let i = start
    while (i < end && (header.charCodeAt(i) === 0x20 || header.charCodeAt(i) === 0x09)) i++
    const eq = header.indexOf('=', i)
    if (eq !== -1 && eq < end && eq - i === name.length && header.startsWith(name, i)) {
      if (found !== undefined) return DUPLICATE
      let vEnd = end
      while (
        vEnd > eq + 1 &&
        (header.charCodeAt(vEnd - 1) === 0x20 || header.charCodeAt(vEnd - 1) === 0x09)
      )
        vEnd--
      found = header.slice(eq + 1, vEnd)
    }
    start = end + 1
  }
  if (found === undefined) return ABSENT
  if (
    found.length >= 2 &&
    found.charCodeAt(0) === 0x22 &&
    found.charCodeAt(found.length - 1) === 0x22
  ) {
    found = found.slice(1, -1)
  }
  if (found.length === 0 || found.length > MAX_COOKIE_BYTES || !COOKIE_OCTETS.test(found))
    return INVALID
  return { kind: 'value', value: found }
}

/** One parsed `Set-Cookie` header: name, value and its attributes (names lower-cased). */
export interface SetCookie {
  name: string
  value: string
  attributes: Map<string, string>
  /** Size of name plus value in bytes (browsers drop cookies above 4096). */
  size: number
}

/**
 * Parses a `Set-Cookie` header value (null when it has no `name=`).
 *
 * @example
 * parseSetCookie('__Host-sid=abc; Path=/; Secure; HttpOnly')?.attributes.has('secure') // true
 */
export function parseSetCookie(header: string): SetCookie | null {
  const [pair = '', ...attrs] = header.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return null
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  const attributes = new Map<string, string>()
  for (const a of attrs) {
    const i = a.indexOf('=')
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase()
    if (key) attributes.set(key, i < 0 ? '' : a.slice(i + 1).trim())
  }
  return { name, value, attributes, size: Buffer.byteLength(name + value) }
}

/**
 * True when the cookie deletes itself: `Max-Age` ≤ 0, an `Expires` in the past, or an empty
 * value (the usual ways of clearing a cookie).
 *
 * @example
 * isClearing(parseSetCookie('sid=; Max-Age=0')!) // true
 */
export function isClearing(c: SetCookie): boolean {
  const maxAge = c.attributes.get('max-age')
  if (maxAge !== undefined && Number(maxAge) <= 0) return true
  const expires = c.attributes.get('expires')
  if (expires !== undefined && Date.parse(expires) < Date.now()) return true
  return c.value === '' || c.value === '""'
}

/**
 * The cookie's lifetime in milliseconds (`Max-Age` wins over `Expires`), or null for a
 * browser-session cookie.
 *
 * @example
 * lifetimeMs(parseSetCookie('a=b; Max-Age=60')!) // 60000
 */
export function lifetimeMs(c: SetCookie): number | null {
  const maxAge = c.attributes.get('max-age')
  if (maxAge !== undefined && Number.isFinite(Number(maxAge))) return Number(maxAge) * 1000
  const expires = c.attributes.get('expires')
  if (expires !== undefined && !Number.isNaN(Date.parse(expires)))
    return Date.parse(expires) - Date.now()
  return null
}

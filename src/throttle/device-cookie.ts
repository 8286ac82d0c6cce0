import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A verified device cookie: the account it was issued to and its own random id. */
export interface Device {
  /** The login name it was issued for. */
  username: string
  /** Random, per device and login; its attempt budget is kept under this id. */
  id: string
}

const VERSION = 'd1'

function sign(secret: Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(`tessera-device|${body}`).digest()
}

/**
 * Makes the value of a device cookie (OWASP's "device cookie"): `d1.<name>.<id>.<issued>.<mac>`,
 * HMAC-SHA256 over the rest. It proves that this browser once signed in as `username`; it is
 * no credential for anything else.
 *
 * @example
 * const value = issueDevice(secret, 'alice', clock.now())
 */
export function issueDevice(secret: Buffer, username: string, nowMs: number): string {
  const name = Buffer.from(username, 'utf8').toString('base64url')
  const id = randomBytes(16).toString('base64url')
  const body = `${VERSION}.${name}.${id}.${Math.floor(nowMs / 1000).toString(36)}`
  return `${body}.${sign(secret, body).toString('base64url')}`
}

/**
 * The device a cookie value proves, or null when it is malformed, forged, issued for another
 * user name or older than `maxAgeMs`. Never throws.
 *
 * @example
 * const device = readDevice(secret, value, 'alice', clock.now(), 365 * 86_400_000)
 */
export function readDevice(
  secret: Buffer,
  value: string | undefined,
  username: string,
  nowMs: number,
  maxAgeMs: number,
): Device | null {
  if (value === undefined || value.length > 512) return null
  const parts = value.split('.')
  if (parts.length !== 5 || parts[0] !== VERSION) return null
  const [, name, id, issued, mac] = parts as [string, string, string, string, string]
  const expected = sign(secret, parts.slice(0, 4).join('.'))
  const given = Buffer.from(mac, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  if (Buffer.from(name, 'base64url').toString('utf8') !== username) return null
  const issuedMs = Number.parseInt(issued, 36) * 1000
  if (!Number.isFinite(issuedMs) || nowMs - issuedMs > maxAgeMs || issuedMs - nowMs > 60_000)
    return null
  return { username, id }
}

/**
 * The value of cookie `name` in a `Cookie` header, or undefined; a name sent twice counts as
 * absent (fail closed, as for the session cookie).
 *
 * @example
 * cookieValue('a=1; __Host-device=x', '__Host-device') // 'x'
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  let found: string | undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    if (found !== undefined) return undefined
    found = part.slice(eq + 1).trim()
  }
  return found
}

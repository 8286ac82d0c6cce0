import { hash } from 'node:crypto'
import { isIPv6 } from 'node:net'

/**
 * The counter key of one identity in one scope: a SHA-256 of the identity, so user names and
 * addresses (attacker-chosen, any length) never reach the backend as such, and every key has
 * the same short size.
 *
 * @example
 * counterKey('acct', 'alice') // 'acct:3sX…' (22 characters after the colon)
 */
export function counterKey(scope: string, ...parts: string[]): string {
  // NUL cannot occur in an HTTP header or a JSON-decoded name we accept, so parts cannot shift.
  const digest = hash('sha256', parts.join('\0'), 'base64url')
  return `${scope}:${digest.slice(0, 22)}`
}

/**
 * The address a budget is kept for: an IPv4 address as is, an IPv6 address by its /64
 * prefix (one customer gets a whole /64, so counting single IPv6 addresses would give an
 * attacker 2^64 budgets), an IPv4-mapped IPv6 address as the IPv4 address.
 *
 * @example
 * addressBucket('2001:db8::1') // '2001:db8:0:0::/64'
 * addressBucket('::ffff:10.0.0.1') // '10.0.0.1'
 */
export function addressBucket(ip: string): string {
  if (!isIPv6(ip)) return ip
  const v4 = embeddedIPv4(ip)
  if (v4) return v4
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

// An IPv4 client seen through IPv6: mapped (::ffff:) or translated with the NAT64 well-known
// prefix (64:ff9b::/96, SIIT-DC / NAT46 in front of an IPv6-only app), dotted or in hex.
// Bucketed by its /64, every IPv4 client would share one address budget.
const EMBEDDED = /^(?:::ffff|64:ff9b:):(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i

function embeddedIPv4(ip: string): string | null {
  const m = EMBEDDED.exec(ip)
  if (!m) return null
  if (m[1]) return m[1]
  const hi = Number.parseInt(m[2]!, 16)
  const lo = Number.parseInt(m[3]!, 16)
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

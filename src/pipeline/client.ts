import { BlockList, isIP } from 'node:net'

/**
 * Which peers may set `X-Forwarded-For` / `X-Forwarded-Proto`: IP addresses and CIDR ranges
 * (`10.0.0.0/8`, `fd00::/8`), as returned by {@link parseTrustProxy}. Empty: trust no one.
 */
export type TrustProxy = readonly string[]

// Compiled matchers, one per list (adapters parse their list once and reuse it).
const compiled = new WeakMap<TrustProxy, BlockList>()
// A chain longer than this is not walked further: no proxy set-up has 32 trusted hops, and a
// forged header must not cost more than a bounded loop.
const MAX_HOPS = 32
// Express's named ranges, with the list that means the same.
const NAMED: Readonly<Record<string, string>> = {
  loopback: '127.0.0.1, ::1',
  linklocal: '169.254.0.0/16, fe80::/10',
  uniquelocal: '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7',
}

/**
 * Parses `TRUST_PROXY`-style configuration: comma-separated IP addresses or CIDR ranges.
 * Throws on anything else, so a typo cannot silently trust everyone (and `*`, `0.0.0.0/0` or
 * `::/0`, which would, are refused too).
 *
 * @example
 * parseTrustProxy('127.0.0.1, ::1, 10.0.0.0/8') // ['127.0.0.1', '::1', '10.0.0.0/8']
 */
export function parseTrustProxy(value: string | readonly string[] | undefined): TrustProxy {
  const strings = Array.isArray(value) && value.every((s) => typeof s === 'string')
  if (value !== undefined && typeof value !== 'string' && !strings)
    throw new TypeError(
      `trustProxy (TRUST_PROXY) takes the proxies' addresses or CIDR ranges, e.g. '127.0.0.1' or ['10.0.0.0/8'], not a hop count or true (Express's trust proxy habit): trusting whoever connects would let any client forge its address`,
    )
  const list = typeof value === 'string' ? value.split(',') : (value ?? [])
  const out = list.map((s) => s.trim()).filter((s) => s.length > 0)
  const blocks = new BlockList()
  for (let i = 0; i < out.length; i++) {
    const entry = out[i]!
    const slash = entry.indexOf('/')
    const ip = normalizeIp(slash === -1 ? entry : entry.slice(0, slash))
    const family = isIP(ip)
    const bits = slash === -1 ? (family === 6 ? 128 : 32) : Number(entry.slice(slash + 1))
    const max = family === 6 ? 128 : 32
    if (!family || !/^\d{1,3}$/.test(String(bits)) || bits > max)
      throw new TypeError(
        `TRUST_PROXY: ${JSON.stringify(entry)} is not an IP address or CIDR range${Object.hasOwn(NAMED, entry) ? `: write '${NAMED[entry]}'` : ''}`,
      )
    if (bits === 0)
      throw new TypeError(`TRUST_PROXY: ${JSON.stringify(entry)} would trust every address`)
    blocks.addSubnet(ip, bits, family === 6 ? 'ipv6' : 'ipv4')
    out[i] = slash === -1 ? ip : `${ip}/${bits}`
  }
  compiled.set(out, blocks)
  return out
}

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` and `127.0.0.1` compare equal. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
}

/**
 * True when `ip` (already normalised) is one of the trusted proxies.
 *
 * @example
 * isTrustedProxy('10.1.2.3', parseTrustProxy('10.0.0.0/8')) // true
 */
export function isTrustedProxy(ip: string, trust: TrustProxy): boolean {
  let blocks = compiled.get(trust)
  if (!blocks) {
    // A list that did not come from parseTrustProxy: validate and compile it once.
    blocks = compiled.get(parseTrustProxy(trust)) as BlockList
    compiled.set(trust, blocks)
  }
  const family = isIP(ip)
  return family !== 0 && blocks.check(ip, family === 6 ? 'ipv6' : 'ipv4')
}

/** One `X-Forwarded-For` element as an IP, or null: strips `[v6]:port` and `v4:port`. */
function hopAddress(raw: string): string | null {
  let s = raw.trim()
  if (s.startsWith('[')) {
    const end = s.indexOf(']')
    s = end === -1 ? '' : s.slice(1, end)
  } else if (s.indexOf(':') !== -1 && s.indexOf(':') === s.lastIndexOf(':')) {
    s = s.slice(0, s.indexOf(':'))
  }
  s = normalizeIp(s)
  return isIP(s) ? s : null
}

/**
 * The client's IP and scheme. `X-Forwarded-*` are believed only when the direct peer is a
 * trusted proxy. The client IP is then the right-most address of `X-Forwarded-For` that is not
 * itself a trusted proxy (addresses further left were written by the client and prove
 * nothing). The scheme is the right-most `X-Forwarded-Proto` value: the one our own proxy
 * wrote (configure it to set the header, not append to it). `Forwarded` (RFC 7239) is ignored.
 *
 * @example
 * clientInfo('10.0.0.2', false, (n) => req.headers[n], parseTrustProxy('10.0.0.2'))
 */
export function clientInfo(
  remoteAddress: string | undefined,
  encrypted: boolean,
  header: (name: string) => string | undefined,
  trust: TrustProxy,
): { ip: string | undefined; secure: boolean } {
  const peer = remoteAddress ? normalizeIp(remoteAddress) : undefined
  if (!peer || trust.length === 0 || !isTrustedProxy(peer, trust))
    return { ip: peer, secure: encrypted }
  let ip = peer
  const xff = header('x-forwarded-for')
  if (xff) {
    let end = xff.length
    for (let hops = 0; hops < MAX_HOPS && end > 0; hops++) {
      const start = xff.lastIndexOf(',', end - 1)
      const hop = hopAddress(xff.slice(start + 1, end))
      if (hop === null) break
      ip = hop
      if (!isTrustedProxy(hop, trust)) break
      end = start
    }
  }
  const xfp = header('x-forwarded-proto')
  if (!xfp) return { ip, secure: encrypted }
  const proto = xfp
    .slice(xfp.lastIndexOf(',') + 1)
    .trim()
    .toLowerCase()
  return { ip, secure: proto === 'https' }
}

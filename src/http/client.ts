import { isIP } from 'node:net'

/** Which peers may set `X-Forwarded-For` / `X-Forwarded-Proto`. */
export type TrustProxy = readonly string[]

/**
 * Parses `TRUST_PROXY`-style configuration: comma-separated IP addresses. Throws on anything
 * that is not an IP, so a typo cannot silently trust everyone.
 *
 * @example
 * parseTrustProxy('127.0.0.1, ::1') // ['127.0.0.1', '::1']
 */
export function parseTrustProxy(value: string | readonly string[] | undefined): TrustProxy {
  const list = typeof value === 'string' ? value.split(',') : (value ?? [])
  const out = list.map((s) => normalizeIp(s.trim())).filter((s) => s.length > 0)
  for (const ip of out) {
    if (!isIP(ip)) throw new TypeError(`TRUST_PROXY: ${JSON.stringify(ip)} is not an IP address`)
  }
  return out
}

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` and `127.0.0.1` compare equal. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
}

/**
 * The client's IP and scheme. `X-Forwarded-*` are believed only when the direct peer is a
 * trusted proxy; the client IP is then the right-most untrusted address of the chain.
 *
 * @example
 * clientInfo('10.0.0.2', false, (n) => req.headers[n], ['10.0.0.2'])
 */
export function clientInfo(
  remoteAddress: string | undefined,
  encrypted: boolean,
  header: (name: string) => string | undefined,
  trust: TrustProxy,
): { ip: string | undefined; secure: boolean } {
  const peer = remoteAddress ? normalizeIp(remoteAddress) : undefined
  if (!peer || trust.length === 0 || !trust.includes(peer)) return { ip: peer, secure: encrypted }
  let ip = peer
  const xff = header('x-forwarded-for')
  if (xff) {
    const hops = xff.split(',').map((h) => normalizeIp(h.trim()))
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!
      if (!isIP(hop)) break
      ip = hop
      if (!trust.includes(hop)) break
    }
  }
  const proto = header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return { ip, secure: proto ? proto === 'https' : encrypted }
}

import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { isIP } from 'node:net'
import { bits, explicit, nul, octets, oid, seq, set, tlv, time, uint, utf8, yes } from './der.js'

/** What {@link buildSelfSigned} needs; names are validated by the caller. */
export interface X509Request {
  commonName: string
  dnsNames: readonly string[]
  ipAddresses: readonly string[]
  days: number
  keyType: 'ec' | 'rsa'
  now?: Date
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  let s = ip
  let tail: number[] = []
  // An embedded IPv4 tail ("::ffff:192.0.2.1") stands for the last two 16-bit groups.
  const lastColon = s.lastIndexOf(':')
  if (s.indexOf('.', lastColon) !== -1) {
    const v4 = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number)
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    s = s.slice(0, lastColon + 1)
    if (!s.endsWith('::')) s = s.slice(0, -1)
  }
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16))
  const gap = s.indexOf('::')
  let all: number[]
  if (gap === -1) all = [...groups(s), ...tail]
  else {
    const left = groups(s.slice(0, gap))
    const right = [...groups(s.slice(gap + 2)), ...tail]
    all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  }
  const out = Buffer.alloc(16)
  all.forEach((g, i) => {
    out.writeUInt16BE(g, i * 2)
  })
  return out
}

/**
 * A self-signed X.509 v3 server certificate made with `node:crypto` alone: P-256 ECDSA or
 * RSA-2048 key, SHA-256 signature, subjectAltName, `CA:FALSE`, `serverAuth`. The private key
 * never leaves memory.
 *
 * @example
 * const { cert, key } = buildSelfSigned({ commonName: 'localhost', dnsNames: ['localhost'],
 *   ipAddresses: ['127.0.0.1'], days: 30, keyType: 'ec' })
 */
export function buildSelfSigned(req: X509Request): { cert: string; key: string } {
  const { privateKey, publicKey } =
    req.keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const algorithm =
    req.keyType === 'rsa'
      ? seq(oid('1.2.840.113549.1.1.11'), nul()) // sha256WithRSAEncryption
      : seq(oid('1.2.840.10045.4.3.2')) // ecdsa-with-SHA256
  const name = seq(set(seq(oid('2.5.4.3'), utf8(req.commonName))))
  const now = req.now ?? new Date()
  // Backdated a minute so a client whose clock is slightly behind still accepts it.
  const notBefore = new Date(now.getTime() - 60_000)
  const notAfter = new Date(now.getTime() + req.days * 86_400_000)
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const altNames = [
    ...req.dnsNames.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...req.ipAddresses.map((ip) => tlv(0x87, ipBytes(ip))),
  ]
  const extension = (id: string, critical: boolean, value: Buffer) =>
    critical ? seq(oid(id), yes(), octets(value)) : seq(oid(id), octets(value))
  const extensions = seq(
    extension('2.5.29.19', true, seq()), // basicConstraints: CA:FALSE
    // keyUsage: digitalSignature, plus keyEncipherment for RSA (static RSA key exchange).
    extension(
      '2.5.29.15',
      true,
      req.keyType === 'rsa' ? tlv(0x03, Buffer.of(0x05, 0xa0)) : tlv(0x03, Buffer.of(0x07, 0x80)),
    ),
    extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    extension('2.5.29.17', false, seq(...altNames)), // subjectAltName
  )
  const tbs = seq(
    explicit(0, uint(Buffer.of(2))), // v3
    uint(serial),
    algorithm,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = seq(tbs, algorithm, bits(signature))
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n')
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  }
}

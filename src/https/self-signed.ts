import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configAssert } from '../core/errors.js'
import { assertKnownKeys, optionKeys } from '../internal/strict.js'
import { buildSelfSigned } from './x509.js'

/** A PEM certificate and its private key. */
export interface CertificatePair {
  cert: string
  key: string
}

/** Options of {@link selfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Host names and IP addresses the certificate is for. Default `localhost`, `127.0.0.1`, `::1`. */
  hosts?: readonly string[]
  /** Validity in days. Default 30: a development certificate should not outlive its use. */
  days?: number
  /** `ec` (P-256, default) or `rsa` (2048 bits). */
  keyType?: 'ec' | 'rsa'
  /**
   * How to make it: `node` (default; `node:crypto` alone, the key never touches the disk) or
   * `openssl` (the command-line tool; its key passes through a private temporary directory).
   */
  via?: 'node' | 'openssl'
  /** The `openssl` executable for `via: 'openssl'`. Default `openssl` on the PATH. */
  openssl?: string
}

const KEYS = optionKeys<SelfSignedOptions>({
  hosts: true,
  days: true,
  keyType: true,
  via: true,
  openssl: true,
})

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * Generates a self-signed certificate for local HTTPS (X.509 v3, SHA-256, subjectAltName for
 * every host, `CA:FALSE`, `serverAuth`). For development only: browsers warn about it, and
 * production must use a real certificate (`cert`/`key`).
 *
 * @throws TesseraError `ERR_CONFIG` when a host is not a DNS name or IP, or `openssl` is
 * missing with `via: 'openssl'`.
 *
 * @example
 * const { cert, key } = selfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] })
 */
export function selfSignedCertificate(options: SelfSignedOptions = {}): CertificatePair {
  assertKnownKeys(options, KEYS, 'selfSignedCertificate()')
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1']
  const days = options.days ?? 30
  configAssert(hosts.length > 0, 'selfSignedCertificate: hosts must not be empty')
  configAssert(Number.isInteger(days) && days >= 1 && days <= 825, 'days must be 1–825')
  // Names go into the certificate (and into an openssl -addext argument): validate them so
  // none can smuggle in another name or extension.
  const ips: string[] = []
  const dns: string[] = []
  for (const h of hosts) {
    const ip = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
    if (isIP(ip)) ips.push(ip)
    else {
      configAssert(
        DNS_NAME.test(h),
        `selfSignedCertificate: ${JSON.stringify(h)} is not a host name`,
      )
      dns.push(h)
    }
  }
  const cn = dns[0] ?? 'localhost'
  const keyType = options.keyType ?? 'ec'
  if ((options.via ?? 'node') === 'node')
    return buildSelfSigned({ commonName: cn, dnsNames: dns, ipAddresses: ips, days, keyType })
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)]
  const newkey =
    keyType === 'rsa'
      ? ['-newkey', 'rsa:2048']
      : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'))
  try {
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    try {
      execFileSync(
        options.openssl ?? 'openssl',
        [
          'req',
          '-x509',
          ...newkey,
          '-nodes',
          '-sha256',
          '-days',
          String(days),
          '-subj',
          `/CN=${cn}`,
          '-addext',
          `subjectAltName=${san.join(',')}`,
          '-addext',
          `keyUsage=critical,digitalSignature${keyType === 'rsa' ? ',keyEncipherment' : ''}`,
          '-addext',
          'extendedKeyUsage=serverAuth',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
      )
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
      configAssert(
        false,
        `cannot generate a self-signed certificate with openssl (${why}); install openssl or pass cert and key`,
      )
    }
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

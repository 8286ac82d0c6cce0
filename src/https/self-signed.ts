import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configAssert } from '../core/errors.js'

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
  /** The `openssl` executable. Default `openssl` on the PATH. */
  openssl?: string
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * Generates a self-signed certificate for local HTTPS, with the `openssl` command-line tool
 * (Node can make keys but not X.509 certificates). For development only: browsers warn about
 * it, and production must use a real certificate (`cert`/`key`).
 *
 * @throws TesseraError `ERR_CONFIG` when a host is not a DNS name or IP, or `openssl` is missing.
 *
 * @example
 * const { cert, key } = selfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] })
 */
export function selfSignedCertificate(options: SelfSignedOptions = {}): CertificatePair {
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1']
  const days = options.days ?? 30
  configAssert(hosts.length > 0, 'selfSignedCertificate: hosts must not be empty')
  configAssert(Number.isInteger(days) && days >= 1 && days <= 825, 'days must be 1–825')
  // Names go into an openssl -addext argument: validate them so none can add extensions.
  const san = hosts.map((h) => {
    const ip = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h
    if (isIP(ip)) return `IP:${ip}`
    configAssert(DNS_NAME.test(h), `selfSignedCertificate: ${JSON.stringify(h)} is not a host name`)
    return `DNS:${h}`
  })
  const cn = hosts.find((h) => DNS_NAME.test(h) && !isIP(h)) ?? 'localhost'
  const newkey =
    options.keyType === 'rsa'
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
          'keyUsage=critical,digitalSignature,keyEncipherment',
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

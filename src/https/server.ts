import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import { configAssert } from '../core/errors.js'
import { assertKnownKeys } from '../internal/strict.js'
import {
  type CertificatePair,
  type SelfSignedOptions,
  selfSignedCertificate,
} from './self-signed.js'
import { TLS_DEFAULTS } from './tls.js'

/** Where the certificate comes from: PEM text or files, or a generated self-signed one. */
export type CertificateSource =
  | CertificatePair
  | { certFile: string; keyFile: string }
  | { selfSigned: SelfSignedOptions | true }

const CERTIFICATE_KEYS = ['cert', 'key', 'certFile', 'keyFile', 'selfSigned']

/**
 * Reads a {@link CertificateSource} into PEM text. A value that starts with `-----BEGIN` is PEM
 * already; anything else in `certFile`/`keyFile` is a path.
 *
 * @example
 * loadCertificate({ certFile: 'tls/cert.pem', keyFile: 'tls/key.pem' })
 */
export function loadCertificate(source: CertificateSource): CertificatePair {
  assertKnownKeys(source, CERTIFICATE_KEYS, 'certificate')
  if ('selfSigned' in source)
    return selfSignedCertificate(source.selfSigned === true ? {} : source.selfSigned)
  if ('certFile' in source) {
    const read = (v: string, what: string): string => {
      if (v.trimStart().startsWith('-----BEGIN')) return v
      try {
        return readFileSync(v, 'utf8')
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unreadable'
        configAssert(false, `${what}: cannot read ${JSON.stringify(v)} (${code})`)
      }
    }
    return { cert: read(source.certFile, 'TLS_CERT'), key: read(source.keyFile, 'TLS_KEY') }
  }
  return source
}

/**
 * An HTTPS server with Tessera's TLS settings ({@link TLS_DEFAULTS}: TLS 1.2+, ECDHE + AEAD
 * only, server cipher order). Not listening yet: call `listen` as with any Node server.
 *
 * @example
 * const server = createSecureServer(handler, { selfSigned: { hosts: ['localhost'] } })
 * server.listen(3443)
 */
export function createSecureServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  certificate: CertificateSource,
): Server {
  const { cert, key } = loadCertificate(certificate)
  return createServer({ ...TLS_DEFAULTS, cert, key, maxHeaderSize: 16 * 1024 }, handler)
}

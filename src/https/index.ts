/**
 * HTTPS done right: a TLS server helper (TLS 1.2+, ECDHE + AEAD), self-signed certificates for
 * local use, the plain-HTTP redirector, and the production start-up guard.
 *
 * @example
 * import { createSecureServer, httpsRedirect } from 'tessera-session/https'
 * createSecureServer(handler, { certFile: 'cert.pem', keyFile: 'key.pem' }).listen(443)
 * http.createServer(httpsRedirect({ origin: 'https://bank.example' })).listen(80)
 */
export { assertSecureTransport, type TransportSettings } from './guard.js'
export { type HttpsRedirectOptions, httpsRedirect } from './redirect.js'
export {
  type CertificatePair,
  type SelfSignedOptions,
  selfSignedCertificate,
} from './self-signed.js'
export { type CertificateSource, createSecureServer, loadCertificate } from './server.js'
export { TLS_CIPHERS, TLS_DEFAULTS } from './tls.js'

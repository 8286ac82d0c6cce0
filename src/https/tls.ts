import type { SecureContextOptions, TlsOptions } from 'node:tls'

/**
 * Cipher suites Tessera's TLS helper offers, strongest first. TLS 1.3 suites are all AEAD; for
 * TLS 1.2 only ECDHE key exchange (forward secrecy) with AES-GCM or ChaCha20-Poly1305. Node's
 * default list still allows CBC suites (`ECDHE-RSA-AES128-SHA256`, `HIGH`) and finite-field DHE
 * on TLS 1.2, hence an explicit list.
 *
 * @example
 * TLS_CIPHERS.split(':').includes('ECDHE-RSA-AES128-SHA') // false
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':')

/**
 * The TLS settings of {@link createSecureServer}, as data: TLS 1.2 minimum, the AEAD/ECDHE
 * list above in the server's order of preference.
 *
 * @example
 * https.createServer({ ...TLS_DEFAULTS, cert, key }, handler)
 */
export const TLS_DEFAULTS = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: TLS_CIPHERS,
  // Our order, not the client's: a client preferring a weaker (still allowed) suite gets ours.
  honorCipherOrder: true,
  ecdhCurve: 'X25519:P-256:P-384',
}) satisfies Readonly<TlsOptions & SecureContextOptions>

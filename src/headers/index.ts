/**
 * Security headers with a per-response CSP nonce.
 *
 * @example
 * import { securityHeaders } from 'tessera-session/headers'
 * createPipeline(sessions, [securityHeaders()])
 */
export { CompiledCsp, compileCsp } from './csp.js'
export { type CspDirectives, NONCE_SOURCE, SECURITY_HEADERS } from './defaults.js'
export { NONCE_BYTES, type SecurityHeadersOptions, securityHeaders } from './plugin.js'
export { randomBase64, randomPool, takeRandom } from './random-pool.js'

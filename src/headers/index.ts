/**
 * Security headers with a per-response CSP nonce.
 *
 * @example
 * import { securityHeaders } from 'tessera-session/headers'
 * app.use(expressSessions(sessions, { plugins: [securityHeaders()] }))
 */
export { type CspDirectives, NONCE_SOURCE, SECURITY_HEADERS } from './defaults.js'
export { type SecurityHeadersOptions, securityHeaders } from './plugin.js'

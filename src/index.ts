/**
 * Tessera: secure, fast, framework-neutral sessions.
 *
 * @example
 * import { createSessions, memoryStore } from 'tessera-session'
 * const sessions = createSessions({ store: memoryStore() })
 */
export * from './core/index.js'
export * from './pipeline/index.js'
export { type CsrfOptions, csrf, verifyCsrf } from './csrf/index.js'
export {
  SECURITY_HEADERS,
  type SecurityHeadersOptions,
  securityHeaders,
} from './headers/index.js'
export { cspNonce, html, jsonScript, SafeHtml, safeUrl, unsafeRaw } from './html/index.js'
export { memoryStore, type MemoryStoreOptions } from './stores/memory/index.js'

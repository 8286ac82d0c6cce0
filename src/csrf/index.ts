/**
 * Layered CSRF defence: Fetch Metadata, Origin/Referer, and a BREACH-masked synchronizer
 * token bound to the session.
 *
 * @example
 * import { csrf, verifyCsrf } from 'tessera/csrf'
 * createPipeline(sessions, [csrf({ sessions, origins: ['https://bank.example'] })])
 */
export { parseOrigins, SourceCheck, type SourceRefusal } from './origin.js'
export {
  CSRF_SECRET_LABEL,
  type CsrfOptions,
  type CsrfRefusal,
  CsrfGuard,
  csrf,
  verifyCsrf,
} from './plugin.js'
export {
  CSRF_SECRET_BYTES,
  CSRF_TOKEN_LENGTH,
  maskToken,
  unmaskToken,
  verifyToken,
} from './token.js'

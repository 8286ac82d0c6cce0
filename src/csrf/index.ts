/**
 * Layered CSRF defence: Fetch Metadata, Origin/Referer, and a BREACH-masked synchronizer
 * token bound to the session (or, before login, to a signed pre-login cookie).
 *
 * @example
 * import { csrf, verifyCsrf } from 'tessera-session/csrf'
 * createPipeline(sessions, [csrf({ sessions, origins: ['https://bank.example'] })])
 */
export { CSRF_SECRET_LABEL, CsrfGuard } from './guard.js'
export {
  type CsrfOptions,
  type CsrfRefusal,
  type PreLoginOptions,
  refusalLevel,
} from './options.js'
export { parseOrigins, SourceCheck, type SourceRefusal } from './origin.js'
export { RoutedInput, routedPath } from './path.js'
export { csrf, verifyCsrf } from './plugin.js'
export { PRE_LOGIN_NONCE_LENGTH, PRE_LOGIN_TOKEN_LENGTH, PreLoginTokens } from './pre-login.js'
export {
  CSRF_SECRET_BYTES,
  CSRF_TOKEN_LENGTH,
  maskToken,
  unmaskToken,
  verifyToken,
} from './token.js'

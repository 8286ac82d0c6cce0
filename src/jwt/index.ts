/**
 * Token mode for APIs: JWT access tokens and rotating refresh tokens tied to Tessera sessions.
 *
 * @example
 * import { bearerAuth, createTokenMode, KeySet } from 'tessera-session/jwt'
 * const tokens = createTokenMode({ sessions, keys: KeySet.generate(), issuer, audience, refreshSecret })
 * app.use(expressSessions(sessions, { plugins: [bearerAuth(tokens)] }))
 */
export {
  ACCESS_COOKIE,
  bffCookies,
  clearBffCookies,
  REFRESH_COOKIE,
  refreshFromCookie,
} from './bff.js'
export { type Denylist, type MemoryDenylistOptions, memoryDenylist } from './denylist.js'
export { generateKeyInput, type Jwks, KeySet } from './key-set.js'
export type { KeyInput, TokenAlg, TokenKey } from './keys.js'
export { type RevocationMode, TOKEN_DEFAULTS, type TokenModeOptions } from './options.js'
export { type BearerAuthOptions, bearerAuth } from './plugin.js'
export type { AccessClaims, RefusalReason } from './policy.js'
export type { RefreshRequest, TokenPair } from './refresh-flow.js'
export { type AccessAuth, createTokenMode, TokenMode } from './token-mode.js'

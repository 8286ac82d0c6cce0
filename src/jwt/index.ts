/**
 * Token mode for APIs: JWT access tokens and rotating refresh tokens tied to Tessera sessions.
 *
 * @example
 * import { bearerAuth, createTokenMode, KeySet } from 'tessera-session/jwt'
 * const tokens = createTokenMode({ sessions, keys: KeySet.generate(), issuer, audience, refreshSecret })
 * const pipeline = createPipeline(sessions, [bearerAuth(tokens)])
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
export { type KeyInput, MIN_SECRET_BYTES, parseKey, type TokenAlg, type TokenKey } from './keys.js'
export {
  type ResolvedTokenOptions,
  type RevocationMode,
  TOKEN_DEFAULTS,
  type TokenModeOptions,
} from './options.js'
export { type BearerAuthOptions, bearerAuth, bearerToken } from './plugin.js'
export {
  ACCESS_TOKEN_TYP,
  type AccessClaims,
  MAX_ACCESS_TOKEN_LENGTH,
  type RefusalReason,
  type VerifyPolicy,
  type VerifyResult,
} from './policy.js'
export { type RefreshRequest, type TokenPair, tokenSessionId } from './refresh-flow.js'
export { parseRefreshToken } from './refresh-token.js'
export { accessClaims, signAccessToken } from './sign.js'
export { type AccessAuth, createTokenMode, TokenMode } from './token-mode.js'
export { verifyFast, verifyFastPooled } from './verify-fast.js'
export { verifyWithJose } from './verify-jose.js'

import { randomBytes } from 'node:crypto'
import { requireOptional } from '../internal/optional.js'
import type { TokenKey } from './keys.js'
import { ACCESS_TOKEN_TYP, type AccessClaims } from './policy.js'

const { SignJWT } = requireOptional<typeof import('jose')>(
  'jose',
  'token mode (tessera-session/jwt)',
)

/** What the issuer decides per token; `iat`, `exp` and `jti` are computed. */
export interface AccessTokenInput {
  issuer: string
  audience: string
  /** Opaque user id. */
  subject: string
  /** Session handle. */
  sessionHandle: string
  /** Issue instant, ms. */
  nowMs: number
  /** Lifetime, ms (rounded down to whole seconds). */
  ttlMs: number
  /** Token id; default 128 random bits. */
  jti?: string | undefined
}

/**
 * Builds the claims of a new access token: exactly `iss`, `aud`, `sub`, `sid`, `jti`, `iat`,
 * `exp`. The `jti` (128 random bits unless given) names the token for the denylist.
 *
 * @example
 * const claims = accessClaims({ issuer, audience, subject: 'u1', sessionHandle, nowMs, ttlMs })
 */
export function accessClaims(input: AccessTokenInput): AccessClaims {
  const iat = Math.floor(input.nowMs / 1000)
  return {
    iss: input.issuer,
    aud: input.audience,
    sub: input.subject,
    sid: input.sessionHandle,
    jti: input.jti ?? randomBytes(16).toString('base64url'),
    iat,
    exp: iat + Math.floor(input.ttlMs / 1000),
  }
}

/**
 * Signs claims with jose as a compact JWS with the header `{ alg, typ: 'at+jwt', kid }`.
 * Issuing happens once per login or refresh, so it uses jose rather than a hand-rolled signer.
 *
 * @example
 * const jwt = await signAccessToken(keys.signer, claims)
 */
export function signAccessToken(key: TokenKey, claims: AccessClaims): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, typ: ACCESS_TOKEN_TYP, kid: key.kid })
    .sign(key.signingKey)
}

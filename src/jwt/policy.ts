import type { KeySet } from './key-set.js'
import type { TokenKey } from './keys.js'

/** Longest access token accepted, in characters. Ours are ~400; anything near this is hostile. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096
/** The `typ` header of Tessera access tokens (RFC 9068). Compared exactly. */
export const ACCESS_TOKEN_TYP = 'at+jwt'
/** Longest `sub`, `sid` or `jti` accepted. */
export const MAX_CLAIM_LENGTH = 256

/** The claims of a Tessera access token: minimal, no personal data. */
export interface AccessClaims {
  iss: string
  aud: string | string[]
  /** Opaque user id. */
  sub: string
  /** The session handle (public, not a credential). */
  sid: string
  jti: string
  /** Seconds since the epoch. */
  iat: number
  /** Seconds since the epoch. */
  exp: number
  nbf?: number
}

/** Why a token was refused (for tests, metrics and events; never shown to clients). */
export type RefusalReason =
  | 'malformed'
  | 'header'
  | 'kid'
  | 'alg'
  | 'signature'
  | 'claims'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'

/** Outcome of a verification: the claims, or why not. Verification never throws on bad input. */
export type VerifyResult =
  | { ok: true; claims: AccessClaims; kid: string }
  | { ok: false; reason: RefusalReason }

/** What a verifier checks a token against. */
export interface VerifyPolicy {
  keys: KeySet
  issuer: string
  audience: string
  /** Tolerated clock skew for `exp`/`nbf`, in seconds. */
  leewaySec: number
}

// Three non-empty base64url segments, nothing else (no padding, no whitespace).
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const ALLOWED_HEADER = new Set(['alg', 'kid', 'typ'])

/**
 * The string-level gate both verifiers share: size, shape and base64url lengths. A segment of
 * length 4n+1 is not base64 at all; decoders disagree on it, so it is refused here.
 *
 * @example
 * precheck('a.b.c') // true
 */
export function precheck(token: unknown): token is string {
  if (typeof token !== 'string' || token.length > MAX_ACCESS_TOKEN_LENGTH) return false
  if (!COMPACT.test(token)) return false
  const a = token.indexOf('.')
  const b = token.indexOf('.', a + 1)
  return a % 4 !== 1 && (b - a - 1) % 4 !== 1 && (token.length - b - 1) % 4 !== 1
}

/**
 * The header policy both verifiers share: only `alg`, `kid` and `typ`; `typ` exactly `at+jwt`;
 * a known, unretired `kid`; and `alg` equal to that key's pinned algorithm. This refuses
 * `alg: none` in any spelling, key confusion (HS256 over a public key), `crit`, and every header
 * that fetches or embeds a key (`jku`, `jwk`, `x5u`, `x5c`).
 *
 * @example
 * const key = checkHeader({ alg: 'EdDSA', typ: 'at+jwt', kid }, keys)
 */
export function checkHeader(
  header: Record<string, unknown>,
  keys: KeySet,
): TokenKey | RefusalReason {
  for (const name in header) if (!ALLOWED_HEADER.has(name)) return 'header'
  if (header.typ !== ACCESS_TOKEN_TYP) return 'header'
  if (typeof header.kid !== 'string') return 'kid'
  const key = keys.find(header.kid)
  if (key === null) return 'kid'
  return header.alg === key.alg ? key : 'alg'
}

function shortString(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_CLAIM_LENGTH
}

/**
 * The claim rules beyond RFC 7519 that both verifiers share, applied after `iss`/`aud`/`exp`/
 * `nbf`: `sub`, `sid` and `jti` are short non-empty strings and `iat` is a number.
 *
 * @example
 * checkOwnClaims(payload) // null when fine
 */
export function checkOwnClaims(claims: Record<string, unknown>): RefusalReason | null {
  if (!shortString(claims.sub) || !shortString(claims.sid) || !shortString(claims.jti))
    return 'claims'
  return typeof claims.iat === 'number' ? null : 'claims'
}

/** Claims every token must carry (presence, checked with `Object.hasOwn`). */
export const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'] as const

/**
 * True for a plain JSON object (what JSON.parse gives for `{…}`), false for arrays, null and
 * primitives.
 *
 * @example
 * isJsonObject([]) // false
 */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

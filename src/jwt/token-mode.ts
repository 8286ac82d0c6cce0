import { TesseraError } from '../core/errors.js'
import { parseSessionHandle, type SessionHandle, type StoredRecord } from '../core/handle.js'
import type { KeySet, Jwks } from './key-set.js'
import type { KeyInput, TokenKey } from './keys.js'
import { type ResolvedTokenOptions, resolveTokenOptions, type TokenModeOptions } from './options.js'
import {
  type AccessClaims,
  MAX_ACCESS_TOKEN_LENGTH,
  type RefusalReason,
  type VerifyPolicy,
  type VerifyResult,
} from './policy.js'
import { parseRefreshToken } from './refresh-token.js'
import { RefreshFlow, type RefreshRequest, type TokenPair, tokenSessionId } from './refresh-flow.js'
import { verifyFastPooled } from './verify-fast.js'
import { verifyWithJose } from './verify-jose.js'
import { VerifiedCache } from './verified-cache.js'

/** A verified access token: its claims, and (stateful mode) the live session record. */
export interface AccessAuth {
  claims: AccessClaims
  /** The session, read from the store (stateful mode); null in `stateless+denylist` mode. */
  record: StoredRecord | null
}

const INVALID = 'invalid token'

// Revocations the stateless mode learns from the session manager's events.
const ENDS_SESSION = new Set([
  'session_revoked',
  'session_logout',
  'session_expired',
  'excess_sessions_exceeded',
])

/**
 * Token mode: JWT access tokens and rotating refresh tokens for APIs, tied to a normal Tessera
 * session record (`meta.kind = 'token'`), so token logins count against the per-user cap, show
 * in the session list, and end with logout, revocation and password changes.
 *
 * @example
 * const tokens = createTokenMode({ sessions, keys: [{ key: env.JWT_KEY }], issuer, audience,
 *   refreshSecret: env.REFRESH_SECRET })
 * const pair = await tokens.issue({ userId: user.id })
 * const auth = await tokens.authenticate(pair.access_token) // { claims, record } or a reason
 */
export class TokenMode {
  /** Options after defaults. */
  readonly options: ResolvedTokenOptions
  readonly #policy: VerifyPolicy
  readonly #cache: VerifiedCache
  readonly #flow: RefreshFlow

  constructor(options: TokenModeOptions) {
    const o = resolveTokenOptions(options)
    this.options = o
    this.#policy = { keys: o.keys, issuer: o.issuer, audience: o.audience, leewaySec: o.leewaySec }
    this.#cache = new VerifiedCache(o.cacheSize)
    this.#flow = new RefreshFlow(o)
    const denylist = o.denylist
    if (denylist) {
      o.sessions.on((e) => {
        if (e.handle && ENDS_SESSION.has(e.type)) denylist.denySession(e.handle, this.#denyUntil())
      })
    }
  }

  /** The key set (rotate with {@link rotateKey}). */
  get keys(): KeySet {
    return this.options.keys
  }

  /** Public keys for `/.well-known/jwks.json`. */
  jwks(): Jwks {
    return this.options.keys.jwks()
  }

  /** Makes `next` the signing key; the old one verifies until its tokens have expired. */
  rotateKey(next: KeyInput): TokenKey {
    return this.options.keys.rotate(next, this.options.accessTtlMs + this.options.leewaySec * 1000)
  }

  /** Starts a token session for a user who has just authenticated; returns the first pair. */
  issue(input: {
    userId: string
    ip?: string | undefined
    userAgent?: string | undefined
    authMethod?: string | undefined
  }): Promise<TokenPair & { handle: SessionHandle }> {
    return this.#flow.issue(input)
  }

  /**
   * Rotates a refresh token: the new pair, the old token spent. A spent token replayed outside
   * the concurrent window ends the whole session (`ERR_TOKEN_REUSED`, event `authn_token_reuse`);
   * anything else wrong is `ERR_TOKEN_INVALID`. Messages never contain the token.
   */
  refresh(token: unknown, request: RefreshRequest = {}): Promise<TokenPair> {
    return this.#flow.refresh(token, request)
  }

  /**
   * Ends the session of a refresh token or an access token (RFC 7009 style: unknown tokens are
   * not an error). Returns true when a session ended.
   */
  async revoke(token: unknown): Promise<boolean> {
    if (parseRefreshToken(token)) return this.#flow.revoke(token)
    const r = await this.#verify(token)
    if (!r.ok) return false
    this.options.denylist?.denyToken(r.claims.jti, this.#denyUntil())
    const handle = parseSessionHandle(r.claims.sid)
    if (!handle) return false
    return this.options.sessions.revoke(handle, { owner: r.claims.sub, reason: 'user' })
  }

  /**
   * Checks an access token: signature, header and claims policy, then revocation (one store read
   * in stateful mode; an in-memory denylist lookup in stateless mode). Returns the claims and
   * session, or the refusal reason. Throws only `ERR_STORE_UNAVAILABLE`.
   */
  async authenticate(token: unknown): Promise<AccessAuth | RefusalReason> {
    const o = this.options
    const now = o.sessions.options.clock.now()
    let claims: AccessClaims | null = null
    // Length first: the cache lookup hashes the whole string.
    if (typeof token === 'string' && token.length <= MAX_ACCESS_TOKEN_LENGTH)
      claims = this.#cache.get(token, Math.floor(now / 1000), o.leewaySec, o.keys)
    if (claims === null) {
      const r = await this.#verify(token)
      if (!r.ok) return r.reason
      claims = Object.freeze(r.claims)
      this.#cache.set(token as string, claims, r.kid)
    }
    if (o.denylist)
      return o.denylist.isDenied(claims.jti, claims.sid, now) ? 'revoked' : { claims, record: null }
    const record = await o.sessions.getRecord(tokenSessionId(claims.sid))
    if (record === null || record.userId !== claims.sub || record.meta.kind !== 'token')
      return 'revoked'
    return { claims, record }
  }

  /** Like {@link authenticate}, but throws `ERR_TOKEN_INVALID` (generic message) when refused. */
  async verify(token: unknown): Promise<AccessAuth> {
    const r = await this.authenticate(token)
    if (typeof r === 'string') throw new TesseraError('ERR_TOKEN_INVALID', INVALID)
    return r
  }

  #verify(token: unknown): VerifyResult | Promise<VerifyResult> {
    const now = this.options.sessions.options.clock.now()
    return this.options.verifier === 'fast'
      ? verifyFastPooled(token, this.#policy, now)
      : verifyWithJose(token, this.#policy, now)
  }

  #denyUntil(): number {
    const o = this.options
    return o.sessions.options.clock.now() + o.accessTtlMs + o.leewaySec * 1000 + 1000
  }
}

/**
 * Creates the token mode. Throws `ERR_CONFIG` at start-up for a missing or short secret, a bad
 * key, or inconsistent lifetimes.
 *
 * @example
 * const tokens = createTokenMode({ sessions, keys: KeySet.generate(), issuer: 'https://bank.example',
 *   audience: 'bank-api', refreshSecret: process.env.REFRESH_SECRET! })
 */
export function createTokenMode(options: TokenModeOptions): TokenMode {
  return new TokenMode(options)
}

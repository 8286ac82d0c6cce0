import { createSecretKey, type KeyObject } from 'node:crypto'
import { type Duration, parseDuration } from '../core/duration.js'
import { configAssert } from '../core/errors.js'
import { assertKnownKeys, optionKeys, refuseTinyDuration } from '../internal/strict.js'
import type { SessionManager } from '../core/manager.js'
import { type Denylist, memoryDenylist } from './denylist.js'
import { KeySet } from './key-set.js'
import { type KeyInput, MIN_SECRET_BYTES } from './keys.js'

/** How access tokens are revoked before they expire. */
export type RevocationMode = 'stateful' | 'stateless+denylist'

/** Options of {@link createTokenMode}. */
export interface TokenModeOptions {
  /** The session manager whose sessions the tokens belong to (its store, clock, cap, events). */
  sessions: SessionManager
  /** Signing keys: a {@link KeySet}, or key inputs (`[0]` signs). */
  keys: KeySet | readonly KeyInput[]
  /** `iss` of issued tokens, and the only issuer accepted. */
  issuer: string
  /** `aud` of issued tokens, and the audience required. */
  audience: string
  /** HMAC key of the refresh-token chain: base64url or bytes, at least 256 bits. */
  refreshSecret: string | Uint8Array
  /**
   * Access-token lifetime. Default the lesser of `5m` and the refresh idle timeout (so a short
   * idle timeout such as OWASP's 2–5 minutes works without tuning); at most that idle timeout.
   */
  accessTokenTtl?: Duration | undefined
  /** Clock skew tolerated on `exp`/`nbf`. Default `5s`, at most `60s`. */
  leeway?: Duration | undefined
  /** Default `stateful`: the session is read on every request, so revocation is instant. */
  revocation?: RevocationMode | undefined
  /** For `stateless+denylist`. Default a per-process {@link memoryDenylist}. */
  denylist?: Denylist | undefined
  /** Refresh-token idle lifetime. Default the session manager's idle timeout. */
  refreshIdleTimeout?: Duration | undefined
  /** Refresh-token absolute lifetime. Default the session manager's absolute timeout. */
  refreshAbsoluteTimeout?: Duration | undefined
  /** How long the previous refresh token still returns the same successor. Default `10s`, ≤ `60s`. */
  concurrentRefreshWindow?: Duration | undefined
  /** `fast` (default): node:crypto fast path; `jose`: jose's jwtVerify under the same policy. */
  verifier?: 'fast' | 'jose' | undefined
  /** Verified access tokens remembered to skip repeat signature checks. Default 10 000; 0 off. */
  verifiedCacheSize?: number | undefined
  /** Longest chain walk to prove a spent refresh token is ours. Default 1 000 generations. */
  maxChainWalk?: number | undefined
  /** Refresh is refused (and the session ended) when this says the user may no longer sign in. */
  isUserActive?: ((userId: string) => boolean | Promise<boolean>) | undefined
}

/** Options after defaults and validation. */
export interface ResolvedTokenOptions {
  sessions: SessionManager
  keys: KeySet
  issuer: string
  audience: string
  refreshKey: KeyObject
  accessTtlMs: number
  leewaySec: number
  revocation: RevocationMode
  denylist: Denylist | null
  idleMs: number
  absoluteMs: number
  windowMs: number
  verifier: 'fast' | 'jose'
  cacheSize: number
  maxChainWalk: number
  isUserActive: ((userId: string) => boolean | Promise<boolean>) | null
}

/** Defaults of the token mode, as data. */
export const TOKEN_DEFAULTS = Object.freeze({
  /** The longest default access-token lifetime; shorter when the idle timeout is. */
  accessTokenTtl: '5m',
  leeway: '5s',
  revocation: 'stateful' as RevocationMode,
  concurrentRefreshWindow: '10s',
  verifiedCacheSize: 10_000,
  maxChainWalk: 1_000,
})

const KEYS = optionKeys<TokenModeOptions>({
  sessions: true,
  keys: true,
  issuer: true,
  audience: true,
  refreshSecret: true,
  accessTokenTtl: true,
  leeway: true,
  revocation: true,
  denylist: true,
  refreshIdleTimeout: true,
  refreshAbsoluteTimeout: true,
  concurrentRefreshWindow: true,
  verifier: true,
  verifiedCacheSize: true,
  maxChainWalk: true,
  isUserActive: true,
})

// Numbers are milliseconds; these are the smallest values that are not a seconds slip.
const SMALLEST_MS = {
  accessTokenTtl: 1000,
  leeway: 1000,
  refreshIdleTimeout: 60_000,
  refreshAbsoluteTimeout: 60_000,
  concurrentRefreshWindow: 1000,
} as const

function refreshKey(secret: unknown): KeyObject {
  configAssert(
    typeof secret === 'string' || secret instanceof Uint8Array,
    'refreshSecret is required (run `npx tessera-session keygen --alg HS256`)',
  )
  const bytes =
    typeof secret === 'string'
      ? /^[A-Za-z0-9_-]+$/.test(secret)
        ? Buffer.from(secret, 'base64url')
        : Buffer.alloc(0)
      : Buffer.from(secret)
  configAssert(
    bytes.length >= MIN_SECRET_BYTES,
    `refreshSecret must be base64url with at least ${MIN_SECRET_BYTES * 8} bits; run \`npx tessera-session keygen --alg HS256\``,
  )
  return createSecretKey(bytes)
}

/**
 * Applies defaults and refuses unsafe options with `ERR_CONFIG`.
 *
 * @example
 * resolveTokenOptions({ sessions, keys, issuer, audience, refreshSecret }).accessTtlMs // 300_000
 */
export function resolveTokenOptions(o: TokenModeOptions): ResolvedTokenOptions {
  configAssert(o && typeof o === 'object', 'token mode options are required')
  configAssert(o.sessions, 'token mode needs { sessions } (the session manager)')
  // `secret` here is no express-session habit (refreshSecret is meant): no migration hints.
  assertKnownKeys(o, KEYS, 'createTokenMode', false)
  for (const [name, min] of Object.entries(SMALLEST_MS))
    refuseTinyDuration(o[name as keyof typeof SMALLEST_MS], name, min)
  configAssert(typeof o.issuer === 'string' && o.issuer.length > 0, 'issuer is required')
  configAssert(typeof o.audience === 'string' && o.audience.length > 0, 'audience is required')
  const s = o.sessions.options
  const keys = o.keys instanceof KeySet ? o.keys : new KeySet(o.keys, { clock: s.clock })
  const leewayMs = parseDuration(o.leeway ?? TOKEN_DEFAULTS.leeway, 'leeway')
  const idleMs =
    o.refreshIdleTimeout === undefined
      ? s.idleMs
      : parseDuration(o.refreshIdleTimeout, 'refreshIdleTimeout')
  // The default follows the idle timeout down: an access token outliving the refresh token that
  // renews it would keep a client signed in past its idle deadline.
  const accessTtlMs =
    o.accessTokenTtl === undefined
      ? Math.min(parseDuration(TOKEN_DEFAULTS.accessTokenTtl, 'accessTokenTtl'), idleMs)
      : parseDuration(o.accessTokenTtl, 'accessTokenTtl')
  const absoluteMs =
    o.refreshAbsoluteTimeout === undefined
      ? s.absoluteMs
      : parseDuration(o.refreshAbsoluteTimeout, 'refreshAbsoluteTimeout')
  const windowMs = parseDuration(
    o.concurrentRefreshWindow ?? TOKEN_DEFAULTS.concurrentRefreshWindow,
    'concurrentRefreshWindow',
  )
  configAssert(accessTtlMs >= 1000, 'accessTokenTtl must be at least 1s')
  configAssert(accessTtlMs <= idleMs, 'accessTokenTtl must not exceed the refresh idle timeout')
  configAssert(leewayMs <= 60_000, 'leeway must be at most 60s')
  configAssert(absoluteMs >= idleMs, 'refreshAbsoluteTimeout must be at least refreshIdleTimeout')
  configAssert(
    windowMs <= 60_000,
    'concurrentRefreshWindow must be at most 60s: it keeps a spent refresh token usable',
  )
  const revocation = o.revocation ?? TOKEN_DEFAULTS.revocation
  configAssert(
    revocation === 'stateful' || revocation === 'stateless+denylist',
    "revocation must be 'stateful' or 'stateless+denylist'",
  )
  const verifier = o.verifier ?? 'fast'
  configAssert(verifier === 'fast' || verifier === 'jose', "verifier must be 'fast' or 'jose'")
  const cacheSize = o.verifiedCacheSize ?? TOKEN_DEFAULTS.verifiedCacheSize
  const maxChainWalk = o.maxChainWalk ?? TOKEN_DEFAULTS.maxChainWalk
  configAssert(Number.isInteger(cacheSize) && cacheSize >= 0, 'verifiedCacheSize must be ≥ 0')
  configAssert(Number.isInteger(maxChainWalk) && maxChainWalk >= 1, 'maxChainWalk must be ≥ 1')
  return {
    sessions: o.sessions,
    keys,
    issuer: o.issuer,
    audience: o.audience,
    refreshKey: refreshKey(o.refreshSecret),
    accessTtlMs,
    leewaySec: Math.floor(leewayMs / 1000),
    revocation,
    denylist:
      revocation === 'stateless+denylist'
        ? (o.denylist ?? memoryDenylist({ clock: s.clock }))
        : null,
    idleMs,
    absoluteMs,
    windowMs,
    verifier,
    cacheSize,
    maxChainWalk,
    isUserActive: o.isUserActive ?? null,
  }
}

import { type CookieOptions, cookieAttributes, resolveCookieOptions } from '../core/cookie.js'
import { type Duration, parseDuration } from '../core/duration.js'
import { configAssert } from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import { assertKnownKeys } from '../internal/strict.js'
import type { LoginThrottle } from '../throttle/throttle.js'
import type { DbscAlgorithm } from './jws.js'

/**
 * What a route guarded by `requireBound` does with a session that is not bound (its browser
 * has no DBSC, or has not registered yet): `allow` it, ask for a `step-up` re-authentication
 * (a fresh sign-in within the re-auth window passes), or `refuse` it.
 */
export type UnboundPolicy = 'allow' | 'step-up' | 'refuse'

/** Options of `createDbsc`. Everything but `sessions` and `secret` has a default. */
export interface DbscOptions {
  /** The session manager whose sessions are bound. */
  sessions: SessionManager
  /** At least 32 bytes; keys the bound cookie and registration challenges. Share it across processes. */
  secret: string
  /** Registration endpoint path. Default `/dbsc/register`. */
  registrationPath?: string | undefined
  /** Refresh endpoint path. Default `/dbsc/refresh`. */
  refreshPath?: string | undefined
  /** Bound cookie name. Default `__Host-dbsc` (or `dbsc` when the session cookie cannot be `__Host-`). */
  cookieName?: string | undefined
  /** Lifetime of the bound cookie: how long a stolen copy of it works. Default `10m`. */
  boundCookieTtl?: Duration | undefined
  /** Lifetime of a challenge. Default `5m`. */
  challengeTtl?: Duration | undefined
  /** Algorithms offered. Default `['ES256', 'RS256']`. */
  algorithms?: DbscAlgorithm[] | undefined
  /**
   * Budgets for the endpoints (the login throttle's per-address budget). A request whose
   * address budget is spent is refused with 429 before any signature work; only failed
   * proofs are counted. Default none.
   */
  throttle?: LoginThrottle | null | undefined
  /** Routes the plugin guards with `requireBound`: exact paths, and the policy for unbound sessions (default `allow`). */
  guard?: { paths: string[]; unbound?: UnboundPolicy | undefined } | undefined
}

/** Options after defaults and checks. */
export interface ResolvedDbsc {
  sessions: SessionManager
  secret: string
  registrationPath: string
  refreshPath: string
  cookie: CookieOptions
  /** `; Path=/; HttpOnly; Secure; SameSite=Lax` (as in Set-Cookie and the instructions). */
  cookieAttributes: string
  boundTtlMs: number
  challengeTtlMs: number
  algorithms: DbscAlgorithm[]
  throttle: LoginThrottle | null
  guardPaths: ReadonlySet<string>
  unbound: UnboundPolicy
}

const KEYS = [
  'sessions',
  'secret',
  'registrationPath',
  'refreshPath',
  'cookieName',
  'boundCookieTtl',
  'challengeTtl',
  'algorithms',
  'throttle',
  'guard',
] as const
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/
const POLICIES: readonly UnboundPolicy[] = ['allow', 'step-up', 'refuse']

function path(value: string | undefined, fallback: string, what: string): string {
  const p = value ?? fallback
  configAssert(
    PATH.test(p) && !p.includes('"'),
    `dbsc ${what} must be an absolute path such as ${fallback}`,
  )
  return p
}

/**
 * Applies defaults and refuses unsafe or unknown options with `ERR_CONFIG`.
 *
 * @example
 * const o = resolveDbscOptions({ sessions, secret: process.env.DBSC_SECRET! })
 */
export function resolveDbscOptions(options: DbscOptions): ResolvedDbsc {
  assertKnownKeys(options, KEYS, 'createDbsc')
  configAssert(options.sessions, 'createDbsc needs sessions (the session manager)')
  configAssert(
    typeof options.secret === 'string' && Buffer.byteLength(options.secret) >= 32,
    'createDbsc secret must be at least 32 bytes; run `npx tessera-session keygen`',
  )
  const so = options.sessions.options
  const hostOnly = so.cookie.secure && so.cookie.domain === undefined && so.cookie.path === '/'
  const cookie = resolveCookieOptions(
    {
      ...so.cookie,
      name: options.cookieName ?? (hostOnly ? '__Host-dbsc' : 'dbsc'),
      httpOnly: true,
    },
    { production: so.production },
  )
  configAssert(
    cookie.name !== so.cookie.name,
    'dbsc cookieName must differ from the session cookie name',
  )
  const boundTtlMs = parseDuration(options.boundCookieTtl ?? '10m', 'dbsc boundCookieTtl')
  configAssert(
    boundTtlMs >= 30_000 && boundTtlMs <= 86_400_000,
    'dbsc boundCookieTtl must lie between 30s and 24h (short: it is how long a stolen bound cookie works)',
  )
  const challengeTtlMs = parseDuration(options.challengeTtl ?? '5m', 'dbsc challengeTtl')
  configAssert(
    challengeTtlMs >= 10_000 && challengeTtlMs <= 900_000,
    'dbsc challengeTtl must lie between 10s and 15m',
  )
  const algorithms = options.algorithms ?? ['ES256', 'RS256']
  configAssert(
    Array.isArray(algorithms) &&
      algorithms.length > 0 &&
      algorithms.every((a) => a === 'ES256' || a === 'RS256'),
    "dbsc algorithms must be a non-empty list of 'ES256' and 'RS256'",
  )
  assertKnownKeys(options.guard, ['paths', 'unbound'], 'createDbsc guard')
  const unbound = options.guard?.unbound ?? 'allow'
  configAssert(
    POLICIES.includes(unbound),
    "dbsc guard.unbound must be 'allow', 'step-up' or 'refuse'",
  )
  const guardPaths = options.guard?.paths ?? []
  configAssert(
    Array.isArray(guardPaths) &&
      guardPaths.every((p) => typeof p === 'string' && p.startsWith('/')),
    'dbsc guard.paths must be a list of absolute paths',
  )
  const registrationPath = path(options.registrationPath, '/dbsc/register', 'registrationPath')
  const refreshPath = path(options.refreshPath, '/dbsc/refresh', 'refreshPath')
  configAssert(
    registrationPath !== refreshPath,
    'dbsc registrationPath and refreshPath must differ',
  )
  return {
    sessions: options.sessions,
    secret: options.secret,
    registrationPath,
    refreshPath,
    cookie,
    cookieAttributes: cookieAttributes(cookie),
    boundTtlMs,
    challengeTtlMs,
    algorithms: [...new Set(algorithms)],
    throttle: options.throttle ?? null,
    guardPaths: new Set(guardPaths),
    unbound,
  }
}

import type { Clock } from './clock.js'
import { systemClock } from './clock.js'
import { type CookieOptions, cookieAttributes, resolveCookieOptions } from './cookie.js'
import { type Duration, parseDuration } from './duration.js'
import { configAssert } from './errors.js'
import { assertKnownKeys, refuseTinyDuration } from '../internal/strict.js'
import type { DeviceInfo } from './record.js'
import type { LimitPolicy, SessionStore } from './store.js'

/** Options of {@link createSessions}. Everything but `store` has a secure default. */
export interface SessionOptions {
  /** Where sessions live. */
  store: SessionStore
  /** Session cookie attributes (defaults: `__Host-sid`, HttpOnly, Secure, SameSite=Lax, Path=/). */
  cookie?: Partial<CookieOptions> | undefined
  /** Inactivity after which a session ends. Default `30m`. */
  idleTimeout?: Duration | undefined
  /** Lifetime after which a session ends whatever its activity. Default `12h`. */
  absoluteTimeout?: Duration | undefined
  /**
   * Minimum time between two activity writes of one session. Default: the smaller of 60 s and a
   * tenth of the idle timeout. Read-only requests inside this window write nothing.
   */
  touchInterval?: Duration | undefined
  /** Periodic token rotation. Off by default. */
  renewal?: { interval: Duration; grace?: Duration | undefined } | false | undefined
  /** Per-user cap on concurrent sessions. Default 5; `Infinity` disables it. */
  maxSessionsPerUser?: number | undefined
  /** What happens at the cap. Default `evict-oldest`. */
  limitPolicy?: LimitPolicy | undefined
  /** How long a (re-)authentication counts as fresh. Default `10m`. */
  reauthWindow?: Duration | undefined
  /** Source of "now". Default the system clock. */
  clock?: Clock | undefined
  /** Production mode refuses insecure cookies. Default `NODE_ENV === 'production'`. */
  production?: boolean | undefined
  /** `Clear-Site-Data` sent on logout. Default `"cache", "cookies", "storage"`; false to omit. */
  clearSiteData?: string | false | undefined
  /** Parses a User-Agent into a device (see `tessera-session/monitoring`). Default: none. */
  deviceParser?: ((userAgent: string) => DeviceInfo) | undefined
}

/** Options after defaults and validation; durations in milliseconds. */
export interface ResolvedOptions {
  store: SessionStore
  cookie: CookieOptions
  cookieAttributes: string
  idleMs: number
  absoluteMs: number
  touchMs: number
  renewalMs: number | null
  graceMs: number
  maxPerUser: number
  limitPolicy: LimitPolicy
  reauthMs: number
  clock: Clock
  production: boolean
  clearSiteData: string | null
  deviceParser: ((userAgent: string) => DeviceInfo) | null
}

/** The defaults, as data. */
export const SESSION_DEFAULTS = Object.freeze({
  idleTimeout: '30m',
  absoluteTimeout: '12h',
  maxSessionsPerUser: 5,
  limitPolicy: 'evict-oldest' as LimitPolicy,
  reauthWindow: '10m',
  renewalGrace: '15s',
  clearSiteData: '"cache", "cookies", "storage"',
})

/** A stricter profile for high-value applications (ASVS L3-style): 15 min idle, 8 h absolute, 3 sessions. */
export const HIGH_ASSURANCE = Object.freeze({
  idleTimeout: '15m',
  absoluteTimeout: '8h',
  maxSessionsPerUser: 3,
  reauthWindow: '5m',
  cookie: { sameSite: 'Strict' as const },
})

const SESSION_OPTION_KEYS = [
  'store',
  'cookie',
  'idleTimeout',
  'absoluteTimeout',
  'touchInterval',
  'renewal',
  'maxSessionsPerUser',
  'limitPolicy',
  'reauthWindow',
  'clock',
  'production',
  'clearSiteData',
  'deviceParser',
] as const
const COOKIE_OPTION_KEYS = ['name', 'secure', 'httpOnly', 'sameSite', 'path', 'domain'] as const

// A number is milliseconds: `idleTimeout: 1800` is 1.8 seconds, almost surely meant as 30
// minutes. A timeout under a minute written as a number is refused; strings say their unit.
function refuseTinyNumber(value: Duration | undefined, name: string): void {
  configAssert(
    typeof value !== 'number' || value === 0 || value >= 60_000,
    `${name}: ${value} is ${value} milliseconds; numbers are milliseconds, so write a string with its unit instead ('30m', '5s')`,
  )
}

function isProduction(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env
  return env?.NODE_ENV === 'production'
}

/**
 * Applies defaults and refuses unsafe or inconsistent options.
 *
 * @example
 * resolveOptions({ store: memoryStore() }).idleMs // 1_800_000
 */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  configAssert(
    options && typeof options === 'object',
    'options are required: createSessions({ store })',
  )
  const s = options.store
  configAssert(
    s &&
      typeof s.get === 'function' &&
      typeof s.create === 'function' &&
      typeof s.update === 'function',
    'store is required and must implement the SessionStore contract (get, create, update, destroy, …)',
  )
  assertKnownKeys(options, SESSION_OPTION_KEYS, 'createSessions')
  assertKnownKeys(options.cookie, COOKIE_OPTION_KEYS, 'createSessions cookie')
  if (options.renewal)
    assertKnownKeys(options.renewal, ['interval', 'grace'], 'createSessions renewal')
  for (const name of ['idleTimeout', 'absoluteTimeout', 'reauthWindow'] as const)
    refuseTinyNumber(options[name], name)
  if (options.renewal) refuseTinyNumber(options.renewal.interval, 'renewal.interval')
  // Sub-second windows: `touchInterval: 60` or `grace: 15` are seconds written as milliseconds.
  refuseTinyDuration(options.touchInterval, 'touchInterval', 1000)
  if (options.renewal) refuseTinyDuration(options.renewal.grace, 'renewal.grace', 1000)
  const production = options.production ?? isProduction()
  const cookie = resolveCookieOptions(options.cookie, { production })
  const idleMs = parseDuration(options.idleTimeout ?? SESSION_DEFAULTS.idleTimeout, 'idleTimeout')
  const absoluteMs = parseDuration(
    options.absoluteTimeout ?? SESSION_DEFAULTS.absoluteTimeout,
    'absoluteTimeout',
  )
  configAssert(idleMs >= 1000, 'idleTimeout must be at least 1s')
  configAssert(absoluteMs >= idleMs, 'absoluteTimeout must be at least idleTimeout')
  const touchMs =
    options.touchInterval === undefined
      ? Math.min(60_000, Math.floor(idleMs / 10))
      : parseDuration(options.touchInterval, 'touchInterval')
  configAssert(
    touchMs <= idleMs / 2,
    'touchInterval must be at most half the idle timeout, or active users would expire',
  )
  let renewalMs: number | null = null
  let graceMs = parseDuration(SESSION_DEFAULTS.renewalGrace, 'renewal.grace')
  if (options.renewal) {
    configAssert(
      options.renewal.interval !== undefined,
      "renewal.interval is required: renewal: { interval: '15m' } (or renewal: false for none)",
    )
    renewalMs = parseDuration(options.renewal.interval, 'renewal.interval')
    configAssert(renewalMs >= 1000, 'renewal.interval must be at least 1s')
    if (options.renewal.grace !== undefined)
      graceMs = parseDuration(options.renewal.grace, 'renewal.grace')
    configAssert(
      graceMs <= 60_000,
      'renewal.grace must be at most 60s: a long grace window keeps stolen old tokens alive',
    )
    configAssert(
      renewalMs > graceMs,
      `renewal.interval (${renewalMs} ms) must be longer than renewal.grace (${graceMs} ms), or an old cookie could keep obtaining new tokens forever: raise the interval or shorten the grace`,
    )
  }
  const maxPerUser = options.maxSessionsPerUser ?? SESSION_DEFAULTS.maxSessionsPerUser
  configAssert(
    maxPerUser === Number.POSITIVE_INFINITY || (Number.isInteger(maxPerUser) && maxPerUser >= 1),
    'maxSessionsPerUser must be a positive integer or Infinity',
  )
  const limitPolicy = options.limitPolicy ?? SESSION_DEFAULTS.limitPolicy
  configAssert(
    limitPolicy === 'evict-oldest' || limitPolicy === 'reject-new',
    "limitPolicy must be 'evict-oldest' or 'reject-new'",
  )
  const clearSiteData =
    options.clearSiteData === false
      ? null
      : (options.clearSiteData ?? SESSION_DEFAULTS.clearSiteData)
  return {
    store: s,
    cookie,
    cookieAttributes: cookieAttributes(cookie),
    idleMs,
    absoluteMs,
    touchMs,
    renewalMs,
    graceMs,
    maxPerUser,
    limitPolicy,
    reauthMs: parseDuration(options.reauthWindow ?? SESSION_DEFAULTS.reauthWindow, 'reauthWindow'),
    clock: options.clock ?? systemClock,
    production,
    clearSiteData,
    deviceParser: options.deviceParser ?? null,
  }
}

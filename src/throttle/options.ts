import { type Clock, systemClock } from '../core/clock.js'
import { configAssert } from '../core/errors.js'
import type { SessionEvent } from '../core/events.js'
import type { Budget } from './budget.js'
import type { AttemptCounters } from './counters.js'
import { assertKnownKeys } from '../internal/strict.js'

/** Options of the device cookie issued after a successful login. */
export interface DeviceCookieOptions {
  /** HMAC key, at least 32 bytes (`npx tessera-session keygen`). Every app process needs the same one. */
  secret: string | Uint8Array
  /** Cookie name. Default `__Host-tessera-device`. */
  name?: string
  /** How long a device stays known, ms. Default 365 days. */
  maxAgeMs?: number
}

/** Where the throttle reports `authn_login_lock`: e.g. your `SessionManager` (`createSessions(…)`). */
export interface ThrottleEvents {
  emit(event: Omit<SessionEvent, 'time'> & { time?: string }): void
}

/** Options of the hot-source short-circuit (see `HotSources`). */
export interface ShortCircuitOptions {
  /** The longest a refusal is answered from memory before the counters are asked again, ms. Default 10 s. */
  maxMs?: number
  /** Sources remembered at most (oldest first out). Default 10 000. */
  maxEntries?: number
}

/** Options of {@link loginThrottle}. Every key is checked; an unknown one is an error. */
export interface LoginThrottleOptions {
  /** Where the counts live; use the backend of your session store so all processes share them. */
  counters: AttemptCounters
  /** Source of "now". Default the system clock. */
  clock?: Clock
  /** Budget of an account for tries from unknown sources. Default 5 tries, 1 s doubling to 15 min, forgotten after 1 h. */
  account?: Partial<Budget>
  /** Budget of an address (IPv6: its /64) over all accounts, for unknown sources. Default 100 tries, 1 s doubling to 15 min, 1 h. `false`: none. */
  address?: Partial<Budget> | false
  /** Budget of a known device or a known account-and-address pair, each its own. Default 10 tries, 1 s doubling to 5 min, 1 h. */
  trusted?: Partial<Budget>
  /** How long a successful login keeps its address known for that account, ms. Default 30 days; 0: never. */
  rememberAddressMs?: number
  /** The device cookie (OWASP): `false` to issue none. */
  deviceCookie: DeviceCookieOptions | false
  /** Receives `authn_login_lock` when a failure spends a budget. Default none. */
  events?: ThrottleEvents
  /** Refuse a source whose budget is spent from memory, without the store. Default on; `false`: off. */
  shortCircuit?: ShortCircuitOptions | false
}

/** {@link LoginThrottleOptions} with every default applied and every value checked. */
export interface ResolvedThrottleOptions {
  counters: AttemptCounters
  clock: Clock
  account: Budget
  address: Budget | false
  trusted: Budget
  rememberAddressMs: number
  device: { secret: Buffer; name: string; maxAgeMs: number } | false
  events: ThrottleEvents | null
  shortCircuit: Required<ShortCircuitOptions> | false
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The defaults, in one place. */
export const THROTTLE_DEFAULTS = {
  account: { attempts: 5, backoffMs: 1000, maxBackoffMs: 15 * MINUTE, windowMs: HOUR },
  address: { attempts: 100, backoffMs: 1000, maxBackoffMs: 15 * MINUTE, windowMs: HOUR },
  trusted: { attempts: 10, backoffMs: 1000, maxBackoffMs: 5 * MINUTE, windowMs: HOUR },
  rememberAddressMs: 30 * DAY,
  deviceCookieName: '__Host-tessera-device',
  deviceMaxAgeMs: 365 * DAY,
  shortCircuit: { maxMs: 10_000, maxEntries: 10_000 },
} as const

const TOP_KEYS = [
  'counters',
  'clock',
  'account',
  'address',
  'trusted',
  'rememberAddressMs',
  'deviceCookie',
  'events',
  'shortCircuit',
]
const BUDGET_KEYS = ['attempts', 'backoffMs', 'maxBackoffMs', 'windowMs']
const DEVICE_KEYS = ['secret', 'name', 'maxAgeMs']
const SHORT_CIRCUIT_KEYS = ['maxMs', 'maxEntries']

function onlyKeys(value: object, allowed: string[], where: string): void {
  assertKnownKeys(value, allowed, where)
}

function int(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
}

function budget(given: unknown, fallback: Budget, where: string): Budget {
  if (given === undefined) return { ...fallback }
  configAssert(
    given !== null && typeof given === 'object',
    `${where} must be an object like ${JSON.stringify(fallback)}`,
  )
  onlyKeys(given, BUDGET_KEYS, where)
  const b = { ...fallback, ...(given as Partial<Budget>) }
  configAssert(
    int(b.attempts, 1, 1_000_000),
    `${where}.attempts must be an integer from 1 to 1000000 (default ${fallback.attempts})`,
  )
  configAssert(
    int(b.backoffMs, 1, HOUR),
    `${where}.backoffMs must be an integer from 1 to 3600000 ms (default ${fallback.backoffMs})`,
  )
  configAssert(
    int(b.windowMs, 1000, 30 * DAY),
    `${where}.windowMs must be an integer from 1000 ms to 30 days (default ${fallback.windowMs})`,
  )
  configAssert(
    int(b.maxBackoffMs, b.backoffMs, b.windowMs),
    `${where}.maxBackoffMs must be an integer between backoffMs and windowMs: a longer wait would outlast the count it comes from (default ${fallback.maxBackoffMs})`,
  )
  return b
}

function device(given: unknown): ResolvedThrottleOptions['device'] {
  configAssert(
    given === false || (given !== null && typeof given === 'object'),
    'deviceCookie must be { secret } (32+ bytes, e.g. from `npx tessera-session keygen`) or false',
  )
  if (given === false) return false
  onlyKeys(given, DEVICE_KEYS, 'deviceCookie')
  const o = given as DeviceCookieOptions
  const secret =
    typeof o.secret === 'string'
      ? Buffer.from(o.secret, 'utf8')
      : o.secret instanceof Uint8Array
        ? Buffer.from(o.secret)
        : null
  configAssert(
    secret !== null && secret.length >= 32,
    'deviceCookie.secret must be at least 32 bytes; run `npx tessera-session keygen` for one',
  )
  const name = o.name ?? THROTTLE_DEFAULTS.deviceCookieName
  configAssert(
    typeof name === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(name),
    'deviceCookie.name must be a cookie name (RFC 6265 token, at most 64 characters)',
  )
  const maxAgeMs = o.maxAgeMs ?? THROTTLE_DEFAULTS.deviceMaxAgeMs
  configAssert(
    int(maxAgeMs, MINUTE, 400 * DAY),
    'deviceCookie.maxAgeMs must be an integer from 60000 ms to 400 days (browsers cap cookies at 400 days)',
  )
  return { secret, name, maxAgeMs }
}

function shortCircuit(given: unknown): ResolvedThrottleOptions['shortCircuit'] {
  if (given === false) return false
  const d = THROTTLE_DEFAULTS.shortCircuit
  if (given === undefined) return { ...d }
  configAssert(
    given !== null && typeof given === 'object',
    'shortCircuit must be { maxMs, maxEntries } or false',
  )
  onlyKeys(given, SHORT_CIRCUIT_KEYS, 'shortCircuit')
  const o = { ...d, ...(given as ShortCircuitOptions) }
  configAssert(
    int(o.maxMs, 1, HOUR),
    `shortCircuit.maxMs must be an integer from 1 to 3600000 ms (default ${d.maxMs})`,
  )
  configAssert(
    int(o.maxEntries, 1, 10_000_000),
    `shortCircuit.maxEntries must be an integer from 1 to 10000000 (default ${d.maxEntries})`,
  )
  return o
}

/**
 * Applies defaults and validates; throws `ERR_CONFIG` with a hint on any unknown key or bad
 * value, so a typo (`attemps: 3`) cannot silently leave the defaults in force.
 *
 * @example
 * resolveThrottleOptions({ counters: memoryCounters(), deviceCookie: false, account: { attempts: 3 } })
 */
export function resolveThrottleOptions(options: LoginThrottleOptions): ResolvedThrottleOptions {
  configAssert(
    options !== null && typeof options === 'object',
    'loginThrottle needs options: { counters, deviceCookie }',
  )
  onlyKeys(options, TOP_KEYS, 'loginThrottle')
  const c = options.counters
  configAssert(
    c !== null &&
      typeof c === 'object' &&
      ['take', 'refund', 'clear', 'mark', 'marked'].every(
        (m) => typeof (c as unknown as Record<string, unknown>)[m] === 'function',
      ),
    'loginThrottle counters must be attempt counters, e.g. memoryCounters() or redisCounters(client)',
  )
  configAssert(
    options.clock === undefined || typeof options.clock?.now === 'function',
    'loginThrottle clock must have now(): number',
  )
  configAssert(
    'deviceCookie' in options,
    'loginThrottle needs deviceCookie: { secret } (recommended) or false',
  )
  const events = options.events
  configAssert(
    events === undefined || typeof events?.emit === 'function',
    'loginThrottle events must have emit(event), e.g. your SessionManager',
  )
  const remember = options.rememberAddressMs ?? THROTTLE_DEFAULTS.rememberAddressMs
  configAssert(
    int(remember, 0, 400 * DAY),
    'rememberAddressMs must be an integer from 0 (off) to 400 days (default 30 days)',
  )
  return {
    counters: c,
    clock: options.clock ?? systemClock,
    account: budget(options.account, THROTTLE_DEFAULTS.account, 'account'),
    address:
      options.address === false
        ? false
        : budget(options.address, THROTTLE_DEFAULTS.address, 'address'),
    trusted: budget(options.trusted, THROTTLE_DEFAULTS.trusted, 'trusted'),
    rememberAddressMs: remember,
    device: device(options.deviceCookie),
    events: events ?? null,
    shortCircuit: shortCircuit(options.shortCircuit),
  }
}

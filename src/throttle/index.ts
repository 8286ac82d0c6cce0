/**
 * Login throttling: per-account and per-address attempt budgets with exponential backoff and
 * `Retry-After`, device cookies and known addresses that keep their own budget, counters on
 * every session-store backend, and a gate that bounds costly password hashes in flight.
 * The counter backends only use the driver object you pass in: importing this module loads no
 * database driver.
 *
 * @example
 * import { loginThrottle, memoryCounters } from 'tessera-session/throttle'
 * const throttle = loginThrottle({ counters: memoryCounters(), deviceCookie: { secret } })
 */
export type { Budget } from './budget.js'
export type { AttemptCounters, TakeResult } from './counters.js'
export { type MemoryCountersOptions, memoryCounters } from './counters/memory.js'
export { type PostgresCountersOptions, postgresCounters } from './counters/postgres.js'
export {
  type RedisClusterCommandClient,
  type RedisCommandClient,
  type RedisCountersOptions,
  redisClusterCounters,
  redisCounters,
} from './counters/redis.js'
export { type SqliteCountersOptions, sqliteCounters } from './counters/sqlite.js'
export { WorkGate, type WorkGateOptions } from './gate.js'
export {
  type DeviceCookieOptions,
  type LoginThrottleOptions,
  type ShortCircuitOptions,
  THROTTLE_DEFAULTS,
  type ThrottleEvents,
} from './options.js'
export {
  type BeginOptions,
  type LoginAttempt,
  type LoginRefusal,
  type LoginThrottle,
  type LoginTry,
  loginThrottle,
  type ThrottleScope,
} from './throttle.js'

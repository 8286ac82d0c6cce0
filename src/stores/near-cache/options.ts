import { type Clock, systemClock } from '../../core/clock.js'
import { configAssert } from '../../core/errors.js'
import { assertKnownKeys, optionKeys } from '../../internal/strict.js'

/** What the near cache reports (for tests, metrics and logs). Ids are token hashes. */
export type NearCacheEvent =
  | { type: 'invalidate'; id: string; source: 'push' | 'local' }
  | { type: 'flush' }
  | { type: 'up' }
  | { type: 'down'; reason: string }

/**
 * Options of the opt-in near cache (`nearCache: true` or an object, on `redisStore`,
 * `redisClusterStore` and `postgresStore`).
 */
export interface NearCacheOptions {
  /** Most records kept per process (least recently read go first). Default 10 000. */
  maxEntries?: number | undefined
  /** Most bytes kept per process, as estimated from the records' text. Default 16 MiB. */
  maxBytes?: number | undefined
  /**
   * Longest time a record is served from memory, ms: the bound on staleness should an
   * invalidation be lost without the channel noticing (a half-open socket). Default 1000;
   * at most 10 000.
   */
  maxAgeMs?: number | undefined
  /** Clock of `maxAgeMs`. Default the system clock. */
  clock?: Clock | undefined
  /** Receives every invalidation, flush and channel change. */
  onEvent?: ((event: NearCacheEvent) => void) | undefined
}

/** {@link NearCacheOptions} with every default applied. */
export interface NearCacheSettings {
  maxEntries: number
  maxBytes: number
  maxAgeMs: number
  clock: Clock
  onEvent: ((event: NearCacheEvent) => void) | undefined
}

const KEYS = optionKeys<NearCacheOptions>({
  maxEntries: true,
  maxBytes: true,
  maxAgeMs: true,
  clock: true,
  onEvent: true,
})

const positiveInteger = (value: unknown, name: string, max: number) =>
  configAssert(
    value === undefined ||
      (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max),
    `nearCache.${name} must be a whole number from 1 to ${max}`,
  )

/**
 * Validates the `nearCache` option of a store; null when it is absent or `false`.
 *
 * @example
 * nearCacheSettings({ maxAgeMs: 500 }, 'redisStore') // { maxAgeMs: 500, maxEntries: 10000, … }
 */
export function nearCacheSettings(option: unknown, where: string): NearCacheSettings | null {
  if (option === undefined || option === false) return null
  configAssert(
    option === true || (typeof option === 'object' && option !== null),
    `${where}: nearCache must be true, false or an options object`,
  )
  const o: NearCacheOptions = option === true ? {} : (option as NearCacheOptions)
  // The generic hint for `maxAge` (express-session's cookie lifetime) would mislead here.
  configAssert(
    !('maxAge' in o),
    `${where} nearCache: unknown option "maxAge": did you mean "maxAgeMs"?`,
  )
  assertKnownKeys(o, KEYS, `${where} nearCache`)
  positiveInteger(o.maxEntries, 'maxEntries', 10_000_000)
  positiveInteger(o.maxBytes, 'maxBytes', 2 ** 40)
  positiveInteger(o.maxAgeMs, 'maxAgeMs', 10_000)
  configAssert(
    o.clock === undefined || typeof o.clock?.now === 'function',
    'nearCache.clock must have a now() method',
  )
  configAssert(
    o.onEvent === undefined || typeof o.onEvent === 'function',
    'nearCache.onEvent must be a function',
  )
  return {
    maxEntries: o.maxEntries ?? 10_000,
    maxBytes: o.maxBytes ?? 16 * 1024 * 1024,
    maxAgeMs: o.maxAgeMs ?? 1000,
    clock: o.clock ?? systemClock,
    onEvent: o.onEvent,
  }
}

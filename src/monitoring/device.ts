import type { DeviceInfo } from '../core/record.js'
import { Lru } from './lru.js'
import { parseUserAgent } from './user-agent.js'
import { assertKnownKeys } from '../internal/strict.js'

/** Longest User-Agent parsed; longer ones are cut first (real ones are well under this). */
const MAX_UA = 512

/** Options of {@link createDeviceParser}. */
export interface DeviceParserOptions {
  /** Distinct User-Agents remembered. Default 1000: real traffic repeats a few hundred. */
  cacheSize?: number | undefined
  /**
   * The classifier behind the cache. Default {@link parseUserAgent} (built in, a few regular
   * expressions). Plug in a fuller parser here (e.g. one built on `bowser`); it gets at most
   * 512 characters and should return `unknown` for what it cannot place.
   */
  parse?: ((userAgent: string) => DeviceInfo) | undefined
}

/** A User-Agent parser with a cache; usable as `createSessions({ deviceParser })`. */
export type DeviceParser = ((userAgent: string) => DeviceInfo) & {
  /** How many User-Agents are cached (for tests and metrics). */
  readonly cacheSize: () => number
}

const UNKNOWN: DeviceInfo = Object.freeze({ browser: 'unknown', os: 'unknown', type: 'unknown' })

/**
 * Parses User-Agents into `{ browser, os, type }` (with {@link parseUserAgent} unless `parse`
 * is given), caching results in a small LRU because the same few strings repeat on every
 * request. Results are frozen and shared.
 *
 * @example
 * const deviceParser = createDeviceParser()
 * const sessions = createSessions({ store, deviceParser })
 * deviceParser('Mozilla/5.0 (X11; Linux x86_64) … Chrome/120.0 Safari/537.36')
 * // { browser: 'Chrome', os: 'Linux', type: 'desktop' }
 */
export function createDeviceParser(options: DeviceParserOptions = {}): DeviceParser {
  assertKnownKeys(options, ['cacheSize', 'parse'], 'createDeviceParser()')
  const cache = new Lru<string, DeviceInfo>(options.cacheSize ?? 1000)
  const parse = options.parse ?? parseUserAgent
  const fn = (userAgent: string): DeviceInfo => {
    if (typeof userAgent !== 'string' || userAgent.length === 0) return UNKNOWN
    const ua = userAgent.length > MAX_UA ? userAgent.slice(0, MAX_UA) : userAgent
    let info = cache.get(ua)
    if (!info) {
      info = Object.freeze({ ...parse(ua) })
      cache.set(ua, info)
    }
    return info
  }
  return Object.assign(fn, { cacheSize: () => cache.size })
}

/**
 * The key that identifies "a device" for the new-device rule: browser, OS and type (versions
 * are ignored, so a browser update is not a new device).
 *
 * @example
 * deviceKey({ browser: 'Firefox', os: 'Linux', type: 'desktop' }) // 'Firefox|Linux|desktop'
 */
export function deviceKey(device: DeviceInfo): string {
  return `${device.browser}|${device.os}|${device.type}`
}

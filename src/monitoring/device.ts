import { UAParser } from 'ua-parser-js'
import type { DeviceInfo } from '../core/record.js'
import { Lru } from './lru.js'

/** Longest User-Agent parsed; longer ones are cut first (real ones are well under this). */
const MAX_UA = 512

/** Options of {@link createDeviceParser}. */
export interface DeviceParserOptions {
  /** Distinct User-Agents remembered. Default 1000: real traffic repeats a few hundred. */
  cacheSize?: number | undefined
}

/** A User-Agent parser with a cache; usable as `createSessions({ deviceParser })`. */
export type DeviceParser = ((userAgent: string) => DeviceInfo) & {
  /** How many User-Agents are cached (for tests and metrics). */
  readonly cacheSize: () => number
}

const UNKNOWN: DeviceInfo = Object.freeze({ browser: 'unknown', os: 'unknown', type: 'unknown' })

function parse(userAgent: string): DeviceInfo {
  const r = UAParser(userAgent)
  const browser = r.browser.name ?? 'unknown'
  // ua-parser-js leaves `device.type` empty for desktops; say so when it knows the browser.
  const type = r.device.type ?? (browser === 'unknown' ? 'unknown' : 'desktop')
  return Object.freeze({ browser, os: r.os.name ?? 'unknown', type })
}

/**
 * Parses User-Agents with ua-parser-js into `{ browser, os, type }`, caching results in a small
 * LRU because the same few strings repeat on every request. Results are frozen and shared.
 *
 * @example
 * const deviceParser = createDeviceParser()
 * const sessions = createSessions({ store, deviceParser })
 * deviceParser('Mozilla/5.0 (X11; Linux x86_64) … Chrome/120.0 Safari/537.36')
 * // { browser: 'Chrome', os: 'Linux', type: 'desktop' }
 */
export function createDeviceParser(options: DeviceParserOptions = {}): DeviceParser {
  const cache = new Lru<string, DeviceInfo>(options.cacheSize ?? 1000)
  const fn = (userAgent: string): DeviceInfo => {
    if (typeof userAgent !== 'string' || userAgent.length === 0) return UNKNOWN
    const ua = userAgent.length > MAX_UA ? userAgent.slice(0, MAX_UA) : userAgent
    let info = cache.get(ua)
    if (!info) {
      info = parse(ua)
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

import { describe, expect, it } from 'vitest'
import { createDeviceParser, deviceKey } from './device.js'
import { Lru } from './lru.js'
import { parseUserAgent } from './user-agent.js'

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'

describe('createDeviceParser', () => {
  it('parses browser, OS and device type', () => {
    const parse = createDeviceParser()
    expect(parse(CHROME_LINUX)).toEqual({ browser: 'Chrome', os: 'Linux', type: 'desktop' })
    expect(parse(SAFARI_IPHONE)).toEqual({ browser: 'Mobile Safari', os: 'iOS', type: 'mobile' })
    expect(parse(FIREFOX_WIN)).toEqual({ browser: 'Firefox', os: 'Windows', type: 'desktop' })
  })

  it('says unknown for empty, non-browser and garbage User-Agents', () => {
    const parse = createDeviceParser()
    expect(parse('')).toEqual({ browser: 'unknown', os: 'unknown', type: 'unknown' })
    expect(parse('\u0000\u0001garbage')).toMatchObject({ browser: 'unknown', type: 'unknown' })
    expect(parse(undefined as unknown as string)).toMatchObject({ browser: 'unknown' })
  })

  it('answers a repeated User-Agent from its cache (the same frozen object)', () => {
    const parse = createDeviceParser()
    const a = parse(CHROME_LINUX)
    expect(parse(CHROME_LINUX)).toBe(a)
    expect(Object.isFrozen(a)).toBe(true)
    expect(parse.cacheSize()).toBe(1)
  })

  it('keeps its cache bounded', () => {
    const parse = createDeviceParser({ cacheSize: 3 })
    for (let i = 0; i < 50; i++) parse(`${CHROME_LINUX} build/${i}`)
    expect(parse.cacheSize()).toBe(3)
  })

  it('parses only the first 512 characters of a huge User-Agent', () => {
    const parse = createDeviceParser()
    expect(parse(CHROME_LINUX + ' x'.repeat(50_000)).browser).toBe('Chrome')
  })

  it('keys devices by browser, OS and type, ignoring versions', () => {
    const parse = createDeviceParser()
    expect(deviceKey(parse(CHROME_LINUX))).toBe(
      deviceKey(parse(CHROME_LINUX.replace('126', '127'))),
    )
    expect(deviceKey(parse(CHROME_LINUX))).not.toBe(deviceKey(parse(FIREFOX_WIN)))
  })
})

// Real User-Agent strings as the browsers send them (reduced Chrome UAs included), with what a
// person would call them. [UA, browser, OS, type]
const TABLE: ReadonlyArray<readonly [string, string, string, string]> = [
  // Chrome
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Chrome',
    'Windows',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Chrome',
    'macOS',
    'desktop',
  ],
  [
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Chrome',
    'Chrome OS',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'Mobile Chrome',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mobile Chrome',
    'Android',
    'tablet',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    'Mobile Chrome',
    'iOS',
    'mobile',
  ],
  [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
    'Chrome Headless',
    'Linux',
    'desktop',
  ],
  // Edge
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    'Edge',
    'Windows',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64',
    'Edge',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.0.2478.71 Mobile/15E148 Safari/605.1.15',
    'Edge',
    'iOS',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045',
    'Edge',
    'Windows',
    'desktop',
  ],
  // Firefox
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox',
    'Windows',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox',
    'macOS',
    'desktop',
  ],
  [
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox',
    'Linux',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
    'Mobile Firefox',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
    'Mobile Firefox',
    'iOS',
    'mobile',
  ],
  // Safari
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    'Safari',
    'macOS',
    'desktop',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'mobile',
  ],
  [
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'tablet',
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    'iOS WebView',
    'iOS',
    'mobile',
  ],
  // Samsung Internet, Opera, Android WebView, IE
  [
    'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
    'Samsung Internet',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0',
    'Opera',
    'Windows',
    'desktop',
  ],
  [
    'Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 OPR/80.4.4244.7786',
    'Opera',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36',
    'Chrome WebView',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/30.0.0.0 Mobile Safari/537.36',
    'Chrome WebView',
    'Android',
    'mobile',
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
    'IE',
    'Windows',
    'desktop',
  ],
  // A phone brand that ends in "bot" is not a crawler.
  [
    'Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'Mobile Chrome',
    'Android',
    'mobile',
  ],
  // Crawlers, including one that poses as a phone
  [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Googlebot',
    'unknown',
    'bot',
  ],
  [
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Googlebot',
    'Android',
    'bot',
  ],
  [
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'bingbot',
    'unknown',
    'bot',
  ],
  [
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    'GPTBot',
    'unknown',
    'bot',
  ],
  [
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'facebookexternalhit',
    'unknown',
    'bot',
  ],
  ['DuckDuckBot-Https/1.1; (+https://duckduckgo.com/duckduckbot)', 'DuckDuckBot', 'unknown', 'bot'],
  // Tools and libraries
  ['curl/8.5.0', 'curl', 'unknown', 'library'],
  ['Wget/1.21.4', 'Wget', 'unknown', 'library'],
  ['python-requests/2.31.0', 'python-requests', 'unknown', 'library'],
  ['Go-http-client/1.1', 'Go-http-client', 'unknown', 'library'],
]

describe('parseUserAgent', () => {
  it.each(TABLE)('classifies %s', (ua, browser, os, type) => {
    expect(parseUserAgent(ua)).toEqual({ browser, os, type })
  })

  it('says unknown for what it cannot place', () => {
    expect(parseUserAgent('Mozilla/5.0')).toEqual({
      browser: 'unknown',
      os: 'unknown',
      type: 'unknown',
    })
    expect(parseUserAgent('x'.repeat(10_000))).toEqual({
      browser: 'unknown',
      os: 'unknown',
      type: 'unknown',
    })
  })

  it('answers a long run of tokens it backtracks over in linear time', () => {
    // A quadratic pattern would take seconds on this; the whole table takes microseconds.
    const hostile = 'Version/1 '.repeat(20_000) + 'bot'.repeat(20_000)
    expect(parseUserAgent(hostile).browser).toBe('unknown')
  })
})

describe('a pluggable parser', () => {
  it('puts any classifier behind the cache and the length limit', () => {
    const seen: string[] = []
    const parse = createDeviceParser({
      parse: (ua) => {
        seen.push(ua)
        return { browser: 'Custom', os: 'Plan 9', type: 'desktop' }
      },
    })
    expect(parse(CHROME_LINUX + ' x'.repeat(1000))).toEqual({
      browser: 'Custom',
      os: 'Plan 9',
      type: 'desktop',
    })
    parse(CHROME_LINUX + ' x'.repeat(1000))
    expect(seen).toHaveLength(1)
    expect(seen[0]).toHaveLength(512)
    expect(Object.isFrozen(parse(CHROME_LINUX))).toBe(true)
  })
})

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.get('a')
    lru.set('c', 3)
    expect(lru.peek('b')).toBeUndefined()
    expect([...lru.entries()]).toEqual([
      ['a', 1],
      ['c', 3],
    ])
  })

  it('refuses a size that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) expect(() => new Lru(n)).toThrow(RangeError)
  })
})

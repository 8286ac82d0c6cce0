import { describe, expect, it } from 'vitest'
import { createDeviceParser, deviceKey } from './device.js'
import { Lru } from './lru.js'

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

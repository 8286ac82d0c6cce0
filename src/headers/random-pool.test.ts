import { describe, expect, it } from 'vitest'
import { randomBase64, randomPool, takeRandom } from './random-pool.js'

describe('the random pool', () => {
  it('refuses sizes it cannot serve', () => {
    expect(() => takeRandom(-1)).toThrow(RangeError)
    expect(() => takeRandom(randomPool().length + 1)).toThrow(RangeError)
    expect(() => takeRandom(randomPool().length)).not.toThrow()
  })

  it('hands every byte out once: reservations never overlap until a refill', () => {
    const seen: Array<[number, number]> = []
    for (let i = 0; i < 2000; i++) {
      const at = takeRandom(16)
      const last = seen.at(-1)
      // Either after the previous reservation, or back at 0 after a refill.
      if (last && at !== 0) expect(at).toBeGreaterThanOrEqual(last[0] + last[1])
      seen.push([at, 16])
    }
    expect(seen.some(([at]) => at === 0)).toBe(true)
  })

  it('gives distinct base64 nonces of 128 bits', () => {
    const nonces = new Set(Array.from({ length: 5000 }, () => randomBase64(16)))
    expect(nonces.size).toBe(5000)
    for (const n of nonces) expect(Buffer.from(n, 'base64')).toHaveLength(16)
  })
})

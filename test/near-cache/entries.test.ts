import { describe, expect, it } from 'vitest'
import { RecordCache } from '../../src/stores/near-cache/index.js'
import { record } from './suite.js'

describe('the bounded record cache', () => {
  it('evicts the least recently read record past maxEntries', () => {
    const cache = new RecordCache(2, 1 << 20)
    const [a, b, c] = [record('u'), record('u'), record('u')]
    cache.put(a, 0)
    cache.put(b, 0)
    cache.get(a.id, 0)
    cache.put(c, 0)
    expect(cache.get(b.id, 0)).toBeUndefined()
    expect(cache.get(a.id, 0)?.id).toBe(a.id)
    expect(cache.get(c.id, 0)?.id).toBe(c.id)
    expect(cache.size).toBe(2)
  })

  it('keeps its estimated bytes within maxBytes and accounts for every removal', () => {
    const cache = new RecordCache(1000, 4000)
    const big = () => record('u', { data: { blob: 'x'.repeat(600) } })
    for (let i = 0; i < 10; i++) cache.put(big(), 0)
    expect(cache.bytes).toBeLessThanOrEqual(4000)
    expect(cache.size).toBeGreaterThan(0)
    expect(cache.size).toBeLessThan(10)
    cache.clear()
    expect(cache.bytes).toBe(0)
  })

  it('does not keep a record larger than maxBytes on its own', () => {
    const cache = new RecordCache(1000, 1000)
    cache.put(record('u', { data: { blob: 'x'.repeat(1000) } }), 0)
    expect(cache.size).toBe(0)
  })

  it('hands out copies: changing one changes neither the cache nor the next copy', () => {
    const cache = new RecordCache(10, 1 << 20)
    const r = record('u', { data: { cart: ['apple'], __proto__: 1 } as never })
    cache.put(r, 0)
    const first = cache.get(r.id, 0)!
    ;(first.data.cart as string[]).push('pear')
    first.version = 99
    const second = cache.get(r.id, 0)!
    expect(second.data.cart).toEqual(['apple'])
    expect(second.version).toBe(1)
    expect(Object.getPrototypeOf(second.data)).toBe(Object.prototype)
    expect(Object.isFrozen(second.meta)).toBe(true)
  })

  it('drops an entry read before notBefore', () => {
    const cache = new RecordCache(10, 1 << 20)
    const r = record('u')
    cache.put(r, 100)
    expect(cache.get(r.id, 101)).toBeUndefined()
    expect(cache.size).toBe(0)
  })
})

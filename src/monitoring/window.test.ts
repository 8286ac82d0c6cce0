import { describe, expect, it } from 'vitest'
import { SlidingWindow } from './window.js'

describe('SlidingWindow', () => {
  it('counts hits per key within the window', () => {
    const w = new SlidingWindow(60_000, 100)
    for (let i = 0; i < 5; i++) w.hit('a', 1000 + i)
    w.hit('b', 1000)
    expect(w.rate('a', 2000)).toBe(5)
    expect(w.rate('b', 2000)).toBe(1)
    expect(w.rate('c', 2000)).toBe(0)
  })

  it('weights the previous window by its remaining overlap, then forgets it', () => {
    const w = new SlidingWindow(60_000, 100)
    for (let i = 0; i < 10; i++) w.hit('a', 0)
    expect(w.rate('a', 60_000)).toBe(10) // the previous window still fully overlaps
    expect(w.rate('a', 90_000)).toBe(5) // half of it does
    expect(w.rate('a', 121_000)).toBe(0)
  })

  it('reports a block only on the transition, until unblocked', () => {
    const w = new SlidingWindow(1000, 10)
    w.hit('a', 0)
    expect(w.block('a')).toBe(true)
    expect(w.block('a')).toBe(false)
    w.unblock('a')
    expect(w.block('a')).toBe(true)
    expect(w.block('unknown')).toBe(false)
  })

  it('tracks a bounded number of clients', () => {
    const w = new SlidingWindow(1000, 10)
    for (let i = 0; i < 1000; i++) w.hit(`10.0.${i >> 8}.${i & 255}`, 0)
    expect(w.size).toBe(10)
  })
})

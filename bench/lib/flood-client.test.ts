import { describe, expect, it } from 'vitest'
import { bootstrapP99Ratio, pct } from './flood-client.js'

describe('the login-flood interval', () => {
  const quiet = Array.from({ length: 30 }, (_, i) => 100 + i)

  it('takes nearest-rank percentiles', () => {
    expect(pct([1, 2, 3, 4], 50)).toBe(2)
    expect(pct(quiet, 99)).toBe(129)
    expect(Number.isNaN(pct([], 99))).toBe(true)
  })

  it('brackets the p99 ratio of two samples and is reproducible', () => {
    const slow = quiet.map((ms) => ms * 3)
    const r = bootstrapP99Ratio(slow, quiet)
    expect(r.median).toBeCloseTo(3)
    expect(r.lo).toBeLessThanOrEqual(r.median)
    expect(r.hi).toBeGreaterThanOrEqual(r.median)
    expect(r.lo).toBeGreaterThan(2)
    expect(bootstrapP99Ratio(slow, quiet)).toEqual(r)
    const same = bootstrapP99Ratio(quiet, quiet)
    expect(same.median).toBe(1)
    expect(same.lo).toBeLessThanOrEqual(1)
    expect(same.hi).toBeGreaterThanOrEqual(1)
  })
})

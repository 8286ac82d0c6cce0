import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { FastHistogram } from './histogram.js'

describe('FastHistogram', () => {
  it('exports exactly what a prom-client histogram exports for the same observations', async () => {
    const a = new Registry()
    const b = new Registry()
    const buckets = [0.001, 0.01, 0.1]
    const fast = new FastHistogram('lat_seconds', 'latency', 'operation', buckets, [a])
    const slow = new Histogram({
      name: 'lat_seconds',
      help: 'latency',
      labelNames: ['operation'],
      buckets,
      registers: [b],
    })
    const samples: Array<[string, number]> = [
      ['get', 0.0005],
      ['get', 0.001],
      ['get', 0.05],
      ['get', 3],
      ['create', 0.002],
    ]
    for (const [op, v] of samples) {
      fast.series(op).observe(v)
      slow.observe({ operation: op }, v)
    }
    expect(await a.metrics()).toBe(await b.metrics())
    expect(await a.getMetricsAsJSON()).toEqual(await b.getMetricsAsJSON())
  })

  it('starts from zero again after reset', async () => {
    const r = new Registry()
    const h = new FastHistogram('x_seconds', 'x', 'op', [1], [r])
    h.series('get').observe(0.5)
    h.reset()
    expect(await r.metrics()).toContain('x_seconds_count{op="get"} 0')
  })
})

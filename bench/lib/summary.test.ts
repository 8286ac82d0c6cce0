import { describe, expect, it } from 'vitest'
import type { CaseDef } from './cases.js'
import type { RunRecord } from './measure.js'
import { bareDrift } from './drift.js'
import { summarizeProfile } from './profile.js'
import { runOrder } from './rounds.js'
import { median, rotate } from './stats.js'
import { compare, summarize } from './summary.js'
import { writesPerRead } from './targets.js'

function run(caseId: string, round: number, rps: number, cpu: number): RunRecord {
  return {
    case: caseId,
    round,
    attempt: 0,
    rps,
    p50: 1,
    p99: 2,
    ok2xx: rps,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    seconds: 1,
    serverCpuUsPerReq: cpu,
    mainThreadShare: 1,
    loadgenCpuUsPerReq: 5,
    storeCpuUsPerReq: null,
    otherCores: 0,
    setCookiePerReq: 0,
    storeCallsPerReq: { get: 1 },
    redisPerReq: null,
    credentialBytes: 54,
    windowUs: [0, 1],
    setup: {},
  }
}

const cases: CaseDef[] = [
  { id: 'bare', label: 'bare', group: 'bound', server: 'bare.mjs' },
  { id: 'express', label: 'express', group: 'bound', server: 'express.mjs' },
  { id: 't-express', label: 'adapter', group: 'tessera', server: 'tessera/express.ts' },
]

describe('pooling the runs', () => {
  it('takes the median and rotates lists as documented', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(Number.isNaN(median([]))).toBe(true)
    expect(rotate([1, 2, 3], 1)).toEqual([2, 3, 1])
    expect(rotate([1, 2, 3], 4)).toEqual([2, 3, 1])
  })

  it('keeps compared cases back to back, rotating units and reversing groups on odd rounds', () => {
    const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id)
    const list = ['express', 'iron', 't-express', 'es-mem', 't-memory'].map((id) => ({ id }))
    expect(ids(runOrder(list, 0))).toEqual(['express', 't-express', 'es-mem', 'iron', 't-memory'])
    expect(ids(runOrder(list, 1))).toEqual(['iron', 't-memory', 'es-mem', 't-express', 'express'])
  })

  it('divides each run by the mean of its own round’s two bare runs, then takes the median', () => {
    const runs = [
      run('bare', 0, 100, 10),
      run('t-express', 0, 50, 20),
      run('bare', 0, 300, 10),
      run('bare', 1, 1000, 10),
      run('t-express', 1, 100, 40),
      run('bare', 1, 1000, 10),
      run('bare', 2, 50, 10),
      run('t-express', 2, 40, 20),
      run('bare', 2, 50, 10),
    ]
    const s = summarize(cases, runs).find((x) => x.id === 't-express')!
    // Per-round ratios: 50/200 = 0.25, 100/1000 = 0.1, 40/50 = 0.8 → median 0.25.
    expect(s.ratio).toBeCloseTo(0.25)
    expect(s.ratioLo).toBeCloseTo(0.1)
    expect(s.ratioHi).toBeCloseTo(0.8)
    expect(s.cpuUsLo).toBe(20)
    expect(s.cpuUsHi).toBe(40)
    expect(s.rps).toBe(50)
    expect(s.cpuUs).toBe(20)
    expect(s.extraCpuUs).toBe(10)
    expect(s.cpuRatio).toBeCloseTo(0.5)
    expect(s.runs).toBe(3)
  })

  it('compares an adapter with its framework within the same round only', () => {
    const runs = [
      run('express', 0, 100, 10),
      run('t-express', 0, 90, 11),
      run('express', 1, 1000, 10),
      run('t-express', 1, 500, 11),
      run('t-express', 2, 999, 11),
    ]
    const c = compare(runs).find((x) => x.id === 'express-adapter')!
    expect(c.rounds).toBe(2)
    expect(c.ratio).toBeCloseTo((0.9 + 0.5) / 2)
    expect([c.lo, c.hi]).toEqual([0.5, 0.9])
    expect(c.kind).toBe('overhead')
    expect(c.cpuRatio).toBeCloseTo(10 / 11)
    expect(c.target).toBe(0.85)
  })

  it('reports the drift of bare node:http within each round', () => {
    const runs = [run('bare', 0, 100, 10), run('t-express', 0, 50, 20), run('bare', 0, 80, 12.5)]
    const [d, ...more] = bareDrift(runs)
    expect(more).toEqual([])
    expect(d).toMatchObject({ round: 1, rpsFirst: 100, rpsLast: 80, cpuFirst: 10, cpuLast: 12.5 })
    expect(d!.rpsDriftPct).toBeCloseTo(-20)
    expect(d!.cpuDriftPct).toBeCloseTo(25)
    expect(bareDrift([run('bare', 0, 100, 10)])).toEqual([])
  })

  it('counts store writes, not reads, per read-only request', () => {
    const s = summarize(cases, [run('bare', 0, 1, 1), run('t-express', 0, 1, 1)])[1]!
    expect(writesPerRead(s)).toBe(0)
    expect(writesPerRead({ ...s, storeCallsPerReq: { get: 1, touch: 1 } })).toBe(1)
    expect(
      writesPerRead({ ...s, storeCallsPerReq: null, redisPerReq: { get: 1, expire: 1 } }),
    ).toBe(1)
    expect(writesPerRead({ ...s, storeCallsPerReq: null, redisPerReq: null })).toBeNull()
  })
})

describe('CPU profile summary', () => {
  it('keeps only samples inside the measured window and ignores idle time', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 })
    const profile = {
      startTime: 1000,
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('load', 'file:///repo/bench/results/build/src/core/manager.js') },
        { id: 4, callFrame: frame('startup', 'file:///repo/bench/servers/bare.mjs') },
      ],
      // Sample times: 1010 (startup, before the window), 1020, 1030 (load), 1040 (idle).
      samples: [4, 3, 3, 2],
      timeDeltas: [10, 10, 10, 10],
    }
    const s = summarizeProfile(profile, '/repo', [1015, 1045], 2)
    expect(s.busyMs).toBeCloseTo(0.02)
    expect(s.functions).toEqual([
      { name: 'load', where: 'src/core/manager.ts:1', selfMs: 0.02, perReqUs: 10, share: 1 },
    ])
    expect(s.areas[0]?.name).toBe('src/core/manager.ts')
  })
})

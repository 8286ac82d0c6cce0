import { describe, expect, it } from 'vitest'
import { unbackedNumbers } from './lib/backing.js'
import type { CaseDef } from './lib/cases.js'
import { allClaims, headlineClaims } from './lib/claims.js'
import { derive } from './lib/derive.js'
import type { BenchResult } from './lib/harness.js'
import { type ExtraResult, finish } from './lib/extras.js'
import { bootstrapQuantile } from './lib/interval.js'
import { propagationRow } from './lib/propagation-row.js'
import { readmeBlock } from './lib/readme.js'
import type { Propagation } from './near-cache.js'
import { judge } from './lib/targets.js'
import { METHOD, renderMarkdown } from './lib/markdown.js'
import type { RunRecord } from './lib/measure.js'

// A small synthetic run (no server, no load): three rounds of a few cases with numbers chosen
// to be distinctive, so a number in the report can only have come from them.
const CASES: CaseDef[] = [
  { id: 'bare', label: 'node:http, no session (upper bound)', group: 'bound', server: 'bare.mjs' },
  { id: 'express', label: 'Express 5, no session', group: 'bound', server: 'express.mjs' },
  { id: 'es-mem', label: 'express-session, MemoryStore', group: 'peer', server: 'es.mjs' },
  { id: 't-express', label: 'Tessera Express adapter', group: 'tessera', server: 'x.ts' },
  { id: 'jose-hs256', label: 'jose jwtVerify HS256', group: 'peer', server: 'jose.mjs' },
  { id: 't-token-hs256', label: 'Tessera token HS256', group: 'tessera', server: 't.ts' },
  {
    id: 'pop-memory-uniform',
    label: 'Tessera node, memory store, 100,000 sessions, uniform',
    group: 'tessera',
    server: 'tessera/node.ts',
    population: { sessions: 100_000, spread: 'uniform' },
  },
  {
    id: 'pop-post-uniform',
    label: 'Tessera node, memory store, 100,000 sessions, uniform, POST without CSRF + headers',
    group: 'tessera',
    server: 'tessera/node.ts',
    method: 'POST',
    population: { sessions: 100_000, spread: 'uniform' },
  },
  {
    id: 'pop-csrf-uniform',
    label: 'Tessera node, memory store, 100,000 sessions, uniform, POST with CSRF + headers',
    group: 'tessera',
    server: 'tessera/node.ts',
    method: 'POST',
    population: { sessions: 100_000, spread: 'uniform', csrf: true },
  },
]

// Per case: [req/s, server µs/request] for rounds 1–3.
const NUMBERS: Record<string, Array<[number, number]>> = {
  bare: [
    [41_003, 11.3],
    [39_871, 11.9],
    [40_517, 11.6],
  ],
  express: [
    [17_213, 30.7],
    [16_988, 31.3],
    [17_407, 30.2],
  ],
  'es-mem': [
    [9_133, 61.7],
    [9_377, 59.9],
    [8_911, 63.1],
  ],
  't-express': [
    [13_717, 38.3],
    [13_107, 39.7],
    [14_203, 37.1],
  ],
  'jose-hs256': [
    [10_319, 71.3],
    [10_787, 69.7],
    [9_971, 73.9],
  ],
  't-token-hs256': [
    [21_563, 27.1],
    [20_977, 28.3],
    [22_111, 26.9],
  ],
  'pop-memory-uniform': [
    [25_019, 19.7],
    [24_413, 20.3],
    [25_637, 19.1],
  ],
  'pop-post-uniform': [
    [23_411, 21.3],
    [22_903, 21.9],
    [23_887, 20.9],
  ],
  'pop-csrf-uniform': [
    [18_317, 31.1],
    [17_809, 32.3],
    [18_751, 30.7],
  ],
}

function record(id: string, round: number, rps: number, cpu: number): RunRecord {
  const pop = id.startsWith('pop-')
  return {
    case: id,
    round,
    attempt: 0,
    rps,
    p50: 1.37,
    p99: 4.73,
    ok2xx: Math.round(rps * 3),
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    seconds: 3,
    serverCpuUsPerReq: cpu,
    mainThreadShare: id.startsWith('jose') ? 0.613 : 0.987,
    loadgenCpuUsPerReq: 23.9,
    storeCpuUsPerReq: null,
    otherCores: 0.17,
    setCookiePerReq: 0,
    storeCallsPerReq: id.startsWith('t-') || pop ? { get: 1 } : null,
    redisPerReq: null,
    credentialBytes: 54,
    windowUs: [0, 3_000_000],
    setup: id.startsWith('jose')
      ? { verifyKey: 'CryptoKey', keyMadeAt: 'start-up, once', alg: 'HS256' }
      : pop
        ? {
            runtime: 'JavaScript emitted by tsc',
            seededSessions: 100_000,
            seedSeconds: 1.3,
            seedReused: false,
            lastSeenAheadS: 3600,
            userAgentCount: 6,
          }
        : {},
  }
}

// Revocation delays (ms) of a synthetic propagation run: 1,000 values, distinctive decimals.
function delays(scale: number): number[] {
  return Array.from({ length: 1000 }, (_, i) => scale * (1.37 + ((i * 7919) % 1000) / 97.3))
}

function propagation(scale: number): Propagation {
  const d = delays(scale)
  const p99Interval = bootstrapQuantile(d, 0.99)
  return {
    p50: bootstrapQuantile(d, 0.5).median,
    p99: p99Interval.median,
    p99Interval,
    max: Math.max(...d),
    count: d.length,
    lost: 0,
    stale: 0,
    errors: 0,
    reads: 2_000_003,
    hits: 1_987_011,
    downs: 0,
    callP50: 0.83,
    callP99: 2.17,
    afterCallP99: 1.91,
  }
}

// The near cache's rows as bench/near-cache.ts makes them: a CPU ratio and two propagations
// (one within the 50 ms bound, one far beyond it).
const NEAR_CACHE: ExtraResult[] = [
  {
    id: 'near-cache-cpu-redis-nc',
    label: 'read CPU, Redis with the near cache ÷ memory store',
    values: [
      { name: 'near cache', value: 21.3, unit: 'µs/req' },
      { name: 'memory', value: 19.7, unit: 'µs/req' },
    ],
    ratio: {
      name: 'near cache ÷ memory',
      how: 'min-max over rounds',
      median: 1.081,
      lo: 1.043,
      hi: 1.117,
    },
    target: { op: '≤', value: 1.25 },
  },
  propagationRow('Redis', 'redis', propagation(1)),
  propagationRow('PostgreSQL', 'postgres', propagation(9)),
]

function synthetic(numbers = NUMBERS): BenchResult {
  const runs: RunRecord[] = []
  for (let round = 0; round < 3; round++) {
    for (const [id, rows] of Object.entries(numbers)) {
      const [rps, cpu] = rows[round]!
      runs.push(record(id, round, rps, cpu))
      if (id === 'bare') runs.push(record(id, round, rps * (0.97 - round * 0.05), cpu * 1.02))
    }
  }
  const cases = CASES.filter((c) => numbers[c.id])
  return {
    machine: {
      date: '2026-12-05T02:31:00.000Z',
      cpu: 'AMD EPYC',
      cores: 2,
      memoryGiB: 24,
      node: 'v20.20.2',
      openssl: '3.0.19',
      redis: '7.0.15',
      postgres: '15.20',
      versions: { jose: '6.2.18' },
    },
    settings: {
      quick: false,
      rounds: 3,
      warmupMs: 1000,
      durationMs: 3000,
      connections: 32,
      loadgen: 'autocannon',
      maxForeignCores: 1.2,
      retries: 1,
      retryBudgetS: 420,
      runtime: 'build',
    },
    ...derive(cases, runs),
    extras: [
      {
        id: 'dbsc',
        label: 'bound-cookie (DBSC) check',
        notMeasured: 'bench/dbsc.ts does not exist in this tree',
        values: [],
      },
      ...NEAR_CACHE.map(finish),
    ],
    skipped: {},
    runs,
    cases,
    profiles: [],
    footprints: [],
  }
}

/** Lines of prose: not headings, tables, images, code or blank. */
function prose(markdown: string): string[] {
  return markdown
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((l) => l.trim() && !/^(#|\||!\[)/.test(l))
}

describe('the benchmark report states only what the run measured', () => {
  const r = synthetic()
  const md = renderMarkdown(r)
  const data = JSON.parse(JSON.stringify(r)) as unknown

  it('prints no number that the result does not hold', () => {
    expect(unbackedNumbers(md, data)).toEqual([])
  })

  it('puts only the numbers and claims of the run into the README block', () => {
    const block = readmeBlock(r).join('\n')
    expect(unbackedNumbers(block, data)).toEqual([])
    const allowed = new Set(allClaims(r))
    const lines = prose(block).filter((l) => !l.startsWith('<!--'))
    expect(lines.filter((l) => !allowed.has(l))).toEqual([])
    expect(lines.length).toBeGreaterThan(1)
  })

  it('catches a fixed claim slipped into the report', () => {
    const bad = `${md}\nTessera is 7.01× faster than express-session and costs 14 % less.\n`
    expect(unbackedNumbers(bad, data)).toEqual(['7.01', '14'])
  })

  it('has no prose beyond the claims made from the data and the harness method', () => {
    const allowed = new Set([...allClaims(r), ...METHOD.map((m) => `- ${m}`)])
    expect(prose(md).filter((l) => !allowed.has(l))).toEqual([])
  })

  it('changes every claim when the numbers change, and drops claims about cases not run', () => {
    const scaled = Object.fromEntries(
      Object.entries(NUMBERS).map(([id, rows]) => [
        id,
        rows.map(
          ([rps, cpu]) => [rps * (id === 'bare' ? 1 : 1.13), cpu * 1.07] as [number, number],
        ),
      ]),
    )
    const before = headlineClaims(r)
    const after = headlineClaims(synthetic(scaled))
    expect(before).toHaveLength(2)
    for (const [i, line] of before.entries()) expect(after[i]).not.toBe(line)
    const { 'es-mem': _, ...withoutPeer } = NUMBERS
    const fewer = renderMarkdown(synthetic(withoutPeer))
    expect(fewer).not.toContain('express-session (Express, memory)')
    expect(headlineClaims(synthetic(withoutPeer))).toHaveLength(1)
  })

  it('reports like-for-like ratios with their interval, and the jose set-up as the server said', () => {
    // t-express ÷ es-mem per round: 13717/9133, 13107/9377, 14203/8911.
    const c = r.comparisons.find((x) => x.id === 'express-vs-es')!
    expect(c.lo).toBeCloseTo(13_107 / 9_377)
    expect(c.hi).toBeCloseTo(14_203 / 8_911)
    expect(md).toContain(`${(c.ratio).toFixed(2)}× (${c.lo.toFixed(2)}–${c.hi.toFixed(2)})`)
    expect(md).toContain(
      'verification key each server held was a CryptoKey, made at start-up, once',
    )
    expect(md).toContain('not measured in this run: bench/dbsc.ts does not exist in this tree')
    expect(md).not.toMatch(/EVALSHA|tsx|event loop/)
    // Bare's last run of round 3 is 0.87× its first: the largest drift, with its sign.
    expect(md).toContain('first and last run of a round: -13.0 % in requests/second (round 3;')
  })

  it('judges the near cache: read CPU on its rounds, the propagation p99 on its bootstrap interval', () => {
    const row = (id: string) => r.extras.find((x) => x.id === id)!
    expect(row('near-cache-cpu-redis-nc').verdict).toBe('met')
    const redis = row('near-cache-propagation-redis')
    const pg = row('near-cache-propagation-postgres')
    expect(redis.verdict).toBe('met')
    expect(pg.verdict).toBe('missed')
    for (const x of [redis, pg]) {
      const i = x.ratio!
      expect(i.lo).toBeLessThanOrEqual(i.median)
      expect(i.hi).toBeGreaterThanOrEqual(i.median)
      expect(md).toContain(
        `p99: ${i.median.toFixed(1)} ms (${i.lo.toFixed(1)}–${i.hi.toFixed(1)}), bootstrap 95 % interval over the 1000 revocations | ≤ 50.0 ms |`,
      )
    }
    expect(md).toContain(
      'near cache ÷ memory: 1.08× (1.04–1.12), min-max over rounds | ≤ 1.25× | **met** |',
    )
    // An interval that straddles the bound is not separable from it, whichever side the p99 is.
    const near = (x: number) =>
      finish({
        ...NEAR_CACHE[1]!,
        ratio: { ...NEAR_CACHE[1]!.ratio!, median: x, lo: 46.1, hi: 53.9 },
      })
    expect(near(48.3).verdict).toBe('not separable')
    expect(near(51.7).verdict).toBe('not separable')
    // A number slipped into a near-cache row is caught.
    expect(unbackedNumbers(md.replace('≤ 50.0 ms', '≤ 49.0 ms'), data)).toEqual(['49.0'])
  })

  it('gives a bootstrap interval that holds the sample p99 and is reproducible', () => {
    const d = delays(1)
    const a = bootstrapQuantile(d, 0.99)
    expect(a).toEqual(bootstrapQuantile(d, 0.99))
    expect(a.lo).toBeLessThan(a.hi)
    expect(a.median).toBe([...d].sort((x, y) => x - y)[989])
    expect(bootstrapQuantile([], 0.99).median).toBeNaN()
    const lost = bootstrapQuantile(
      [...d.slice(0, 980), ...Array(20).fill(Number.POSITIVE_INFINITY)],
      0.99,
    )
    expect(lost.hi).toBe(Number.POSITIVE_INFINITY)
  })

  it('reports CSRF across the population: each session its own token, judged like one session', () => {
    expect(md).toContain("with that session's User-Agent (6 distinct) and its own CSRF token.")
    expect(md.match(/and its own CSRF token/g)).toHaveLength(1)
    const c = r.comparisons.find((x) => x.id === 'csrf-cost-pop')!
    // pop-csrf ÷ pop-post per round: 18317/23411, 17809/22903, 18751/23887.
    expect(c.lo).toBeCloseTo(17_809 / 22_903)
    expect(c.hi).toBeCloseTo(18_751 / 23_887)
    const row = r.targets.find((t) =>
      t.what.startsWith('CSRF + security headers on ÷ off (authenticated POST, 100,000'),
    )!
    expect(row.verdict).toBe('missed')
  })

  it('calls a target met only when the lowest round clears it', () => {
    expect(judge({ median: 0.9, lo: 0.86, hi: 0.93 }, '≥', 0.85)).toBe('met')
    expect(judge({ median: 0.86, lo: 0.84, hi: 0.88 }, '≥', 0.85)).toBe('not separable')
    expect(judge({ median: 0.8, lo: 0.78, hi: 0.84 }, '≥', 0.85)).toBe('missed')
    expect(judge({ median: 2.5, lo: 2.1, hi: 2.9 }, '≤', 3)).toBe('met')
    expect(judge({ median: 2.9, lo: 2.6, hi: 3.2 }, '≤', 3)).toBe('not separable')
    expect(judge(null, '≥', 1)).toBe('not measured')
    const token = r.targets.find((t) => t.what.startsWith('Tessera token check'))!
    expect(token.verdict).toBe('met')
  })
})

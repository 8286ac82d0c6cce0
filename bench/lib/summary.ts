import type { CaseDef, Group } from './cases.js'
import { COMPARISONS } from './comparisons.js'
import type { RunRecord } from './measure.js'
import { interval } from './interval.js'
import { mean, median } from './stats.js'
import { writesPerRead } from './targets.js'

/** One case over all rounds. */
export interface CaseSummary {
  id: string
  label: string
  group: Group
  kind: 'read' | 'login'
  runs: number
  rps: number
  rpsMin: number
  rpsMax: number
  /** Median over rounds of (case req/s ÷ the round's bare req/s). */
  ratio: number
  /** Smallest and largest round of that ratio. */
  ratioLo: number
  ratioHi: number
  p50: number
  p99: number
  cpuUs: number
  cpuUsLo: number
  cpuUsHi: number
  /** Median over rounds of (case µs/req − the round's bare µs/req). */
  extraCpuUs: number
  /** Median over rounds of (bare µs/req ÷ case µs/req). */
  cpuRatio: number
  cpuRatioLo: number
  cpuRatioHi: number
  storeCpuUs: number | null
  loadgenCpuUs: number
  otherCores: number
  setCookiePerReq: number
  storeCallsPerReq: Record<string, number> | null
  redisPerReq: Record<string, number> | null
  credentialBytes: number
  failures: number
  /** Store writes per read-only request (see `writesPerRead`), null when not counted. */
  writes: number | null
  /** Median share of the server's CPU on its main (event-loop) thread, in %. */
  mainThreadPct: number
  /** What the server reported about its set-up (first run). */
  setup: Record<string, string | number | boolean>
}

/** A same-round ratio between two cases (Tessera adapter ÷ its framework, …). */
export interface ComparisonSummary {
  id: string
  label: string
  ratio: number
  /** Smallest and largest round of the ratio. */
  lo: number
  hi: number
  /** Median over rounds of (base µs/req ÷ case µs/req): the same comparison by server CPU. */
  cpuRatio: number
  cpuLo: number
  cpuHi: number
  /** Median server CPU µs/request of the case and of the base (rounds that have both). */
  caseCpuUs: number
  baseCpuUs: number
  rounds: number
  kind: 'peer' | 'overhead'
  target?: number | undefined
}

function perKeyMedian(maps: Array<Record<string, number> | null>): Record<string, number> | null {
  const present = maps.filter((m): m is Record<string, number> => m !== null)
  if (present.length === 0) return null
  const keys = new Set(present.flatMap((m) => Object.keys(m)))
  const out: Record<string, number> = {}
  for (const k of keys) out[k] = median(present.map((m) => m[k] ?? 0))
  return out
}

function baselines(runs: readonly RunRecord[]): Map<number, { rps: number; cpu: number }> {
  const out = new Map<number, { rps: number; cpu: number }>()
  const rounds = new Set(runs.map((r) => r.round))
  for (const round of rounds) {
    const bare = runs.filter((r) => r.round === round && r.case === 'bare')
    out.set(round, {
      rps: mean(bare.map((r) => r.rps)),
      cpu: mean(bare.map((r) => r.serverCpuUsPerReq)),
    })
  }
  return out
}

/**
 * Pools the runs of each case: medians over rounds, and ratios to the same round's bare
 * baseline (the mean of the round's first and last bare runs).
 *
 * @example
 * const table = summarize(cases, runs)
 */
export function summarize(cases: readonly CaseDef[], runs: readonly RunRecord[]): CaseSummary[] {
  const base = baselines(runs)
  const out: CaseSummary[] = []
  for (const def of cases) {
    const mine = runs.filter((r) => r.case === def.id)
    if (mine.length === 0) continue
    const ratio = (r: RunRecord) => r.rps / (base.get(r.round)?.rps ?? Number.NaN)
    const rps = mine.map((r) => r.rps)
    const ratios = interval(mine.map(ratio))
    const cpu = interval(mine.map((r) => r.serverCpuUsPerReq))
    const cpuRatio = interval(
      mine.map((r) => (base.get(r.round)?.cpu ?? Number.NaN) / r.serverCpuUsPerReq),
    )
    out.push({
      id: def.id,
      label: def.label,
      group: def.group,
      kind: def.kind ?? 'read',
      runs: mine.length,
      rps: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      ratio: ratios.median,
      ratioLo: ratios.lo,
      ratioHi: ratios.hi,
      p50: median(mine.map((r) => r.p50)),
      p99: median(mine.map((r) => r.p99)),
      cpuUs: cpu.median,
      cpuUsLo: cpu.lo,
      cpuUsHi: cpu.hi,
      extraCpuUs: median(mine.map((r) => r.serverCpuUsPerReq - (base.get(r.round)?.cpu ?? 0))),
      cpuRatio: cpuRatio.median,
      cpuRatioLo: cpuRatio.lo,
      cpuRatioHi: cpuRatio.hi,
      storeCpuUs:
        mine[0]!.storeCpuUsPerReq === null
          ? null
          : median(mine.map((r) => r.storeCpuUsPerReq ?? 0)),
      loadgenCpuUs: median(mine.map((r) => r.loadgenCpuUsPerReq)),
      otherCores: median(mine.map((r) => r.otherCores)),
      setCookiePerReq: Math.max(...mine.map((r) => r.setCookiePerReq)),
      storeCallsPerReq: perKeyMedian(mine.map((r) => r.storeCallsPerReq)),
      redisPerReq: perKeyMedian(mine.map((r) => r.redisPerReq)),
      credentialBytes: mine[0]!.credentialBytes,
      failures: mine.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
      writes: null,
      mainThreadPct: median(mine.map((r) => (r.mainThreadShare ?? Number.NaN) * 100)),
      setup: mine[0]!.setup ?? {},
    })
    out[out.length - 1]!.writes = writesPerRead(out[out.length - 1]!)
  }
  return out
}

/**
 * The same-round ratios of {@link COMPARISONS} whose two cases both ran.
 *
 * @example
 * compare(runs) // [{ id: 'express-adapter', ratio: 0.9, target: 0.85, … }]
 */
export function compare(runs: readonly RunRecord[]): ComparisonSummary[] {
  const out: ComparisonSummary[] = []
  for (const c of COMPARISONS) {
    const ratios: number[] = []
    const cpu: number[] = []
    const caseCpu: number[] = []
    const baseCpu: number[] = []
    for (const round of new Set(runs.map((r) => r.round))) {
      const a = runs.find((r) => r.round === round && r.case === c.case)
      const b = runs.find((r) => r.round === round && r.case === c.base)
      if (a && b) {
        ratios.push(a.rps / b.rps)
        cpu.push(b.serverCpuUsPerReq / a.serverCpuUsPerReq)
        caseCpu.push(a.serverCpuUsPerReq)
        baseCpu.push(b.serverCpuUsPerReq)
      }
    }
    if (ratios.length) {
      const r = interval(ratios)
      const u = interval(cpu)
      out.push({
        id: c.id,
        label: c.label,
        ratio: r.median,
        lo: r.lo,
        hi: r.hi,
        cpuRatio: u.median,
        cpuLo: u.lo,
        cpuHi: u.hi,
        caseCpuUs: median(caseCpu),
        baseCpuUs: median(baseCpu),
        rounds: ratios.length,
        kind: c.kind,
        target: c.target,
      })
    }
  }
  return out
}

import type { RunRecord } from './measure.js'

/** How far the baseline moved within one round (its first bare run against its last). */
export interface Drift {
  round: number
  rpsFirst: number
  rpsLast: number
  /** (last ÷ first − 1) × 100. */
  rpsDriftPct: number
  cpuFirst: number
  cpuLast: number
  cpuDriftPct: number
}

/**
 * The per-round drift of bare node:http, which runs first and last in every round: on a shared
 * machine this is the noise floor any ratio of that round carries.
 *
 * @example
 * bareDrift(runs) // [{ round: 1, rpsFirst: 20000, rpsLast: 19000, rpsDriftPct: -5, … }]
 */
export function bareDrift(runs: readonly RunRecord[]): Drift[] {
  const out: Drift[] = []
  for (const round of [...new Set(runs.map((r) => r.round))].sort((a, b) => a - b)) {
    const bare = runs.filter((r) => r.round === round && r.case === 'bare')
    const first = bare[0]
    const last = bare.at(-1)
    if (!first || !last || bare.length < 2) continue
    const pct = (a: number, b: number) => (b / a - 1) * 100
    out.push({
      round: round + 1,
      rpsFirst: first.rps,
      rpsLast: last.rps,
      rpsDriftPct: pct(first.rps, last.rps),
      cpuFirst: first.serverCpuUsPerReq,
      cpuLast: last.serverCpuUsPerReq,
      cpuDriftPct: pct(first.serverCpuUsPerReq, last.serverCpuUsPerReq),
    })
  }
  return out
}

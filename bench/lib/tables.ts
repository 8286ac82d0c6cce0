// The tables of docs/benchmarks.md. Every cell is a number or label from the run's result.
import type { Drift } from './drift.js'
import type { ExtraResult } from './extras.js'
import { cell, num, perReq } from './format.js'
import type { Interval } from './interval.js'
import type { CaseSummary, ComparisonSummary } from './summary.js'
import type { TargetRow } from './targets.js'

const GROUP: Record<CaseSummary['group'], string> = {
  bound: 'bound',
  peer: 'peer',
  tessera: '**Tessera**',
}

/** `0.81× (0.78–0.84)`: a median ratio and its min–max over rounds. */
export function ratioText(i: Interval | null | undefined, bold = false): string {
  if (!i || !Number.isFinite(i.median)) return '–'
  const m = `${num(i.median, 2)}×`
  return `${bold ? `**${m}**` : m} (${num(i.lo, 2)}–${num(i.hi, 2)})`
}

/** `4.1 ms (3.6–5.3)`: a measured quantity and its interval, one decimal. */
export function quantityText(i: Interval, unit: string): string {
  if (!Number.isFinite(i.median)) return '–'
  return `${num(i.median, 1)} ${unit} (${num(i.lo, 1)}–${num(i.hi, 1)})`
}

/** `13 µs (12–14)`: a median CPU time per request and its min–max over rounds. */
export function cpuText(median: number, lo: number, hi: number): string {
  return Number.isFinite(median) ? `${num(median, 1)} (${num(lo, 1)}–${num(hi, 1)})` : '–'
}

const ops = (s: CaseSummary) =>
  [
    s.storeCallsPerReq ? perReq(s.storeCallsPerReq) : '',
    s.redisPerReq ? `Redis: ${perReq(s.redisPerReq)}` : '',
  ]
    .filter((x) => x && x !== '–')
    .join('; ') || '–'

/** Authenticated reads (one session, or a population): throughput and CPU side by side. */
export function readTable(rows: readonly CaseSummary[]): string[] {
  const out = [
    '| group | case | median req/s (min–max) | ratio to bare (min–max) | server CPU µs/req (min–max) | CPU ratio to bare (min–max) | main-thread share of server CPU % | p50 ms | p99 ms | store-process CPU µs/req | store calls / Redis commands per request | writes per read | Set-Cookie per read | credential bytes | other processes, cores | runs |',
    '|---|---|---|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ]
  for (const s of rows) {
    out.push(
      `| ${GROUP[s.group]} | ${cell(s.label)} | ${num(s.rps)} (${num(s.rpsMin)}–${num(s.rpsMax)}) | ${ratioText({ median: s.ratio, lo: s.ratioLo, hi: s.ratioHi }, true)} | ${cpuText(s.cpuUs, s.cpuUsLo, s.cpuUsHi)} | ${ratioText({ median: s.cpuRatio, lo: s.cpuRatioLo, hi: s.cpuRatioHi })} | ${num(s.mainThreadPct)} | ${num(s.p50, 2)} | ${num(s.p99, 2)} | ${num(s.storeCpuUs, 1)} | ${cell(ops(s))} | ${num(s.writes, 2)} | ${num(s.setCookiePerReq, 2)} | ${s.credentialBytes || '–'} | ${num(s.otherCores, 2)} | ${s.runs} |`,
    )
  }
  return out
}

/** Logins (session creation with the per-user cap). */
export function loginTable(rows: readonly CaseSummary[]): string[] {
  const out = [
    '| case | median logins/s (min–max) | ratio to bare (min–max) | server CPU µs/login (min–max) | p50 ms | p99 ms | store-process CPU µs/login | store calls / Redis commands per login | runs |',
    '|---|---|---|---|---:|---:|---:|---|---:|',
  ]
  for (const s of rows) {
    out.push(
      `| ${cell(s.label)} | ${num(s.rps)} (${num(s.rpsMin)}–${num(s.rpsMax)}) | ${ratioText({ median: s.ratio, lo: s.ratioLo, hi: s.ratioHi })} | ${cpuText(s.cpuUs, s.cpuUsLo, s.cpuUsHi)} | ${num(s.p50, 2)} | ${num(s.p99, 2)} | ${num(s.storeCpuUs, 1)} | ${cell(ops(s))} | ${s.runs} |`,
    )
  }
  return out
}

const VERDICT = {
  met: '**met**',
  'not separable': 'not separable from the target',
  missed: '**missed**',
  'not measured': 'not measured',
} as const

/** The targets, each judged on its interval over rounds. */
export function targetTable(rows: readonly TargetRow[]): string[] {
  return [
    '| what | Tessera, req/s ratio (min–max) | Tessera, server-CPU ratio (min–max) | like-for-like peer, req/s ratio (min–max) | target | status |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (t) =>
        `| ${cell(t.what)} | ${ratioText(t.tessera)} | ${ratioText(t.cpu)} | ${t.peer ? `${cell(t.peer.label)}: ${ratioText(t.peer)}` : '–'} | ${t.op} ${num(t.target, 2)}× | ${VERDICT[t.verdict]} |`,
    ),
  ]
}

/** Same-round ratios between two cases, by throughput and by server CPU. */
export function comparisonTable(rows: readonly ComparisonSummary[]): string[] {
  return [
    '| comparison | req/s ratio (min–max) | server-CPU ratio (min–max) | server CPU µs/req, case / base | target | rounds |',
    '|---|---|---|---|---|---:|',
    ...rows.map(
      (c) =>
        `| ${cell(c.label)} | ${ratioText({ median: c.ratio, lo: c.lo, hi: c.hi }, true)} | ${ratioText({ median: c.cpuRatio, lo: c.cpuLo, hi: c.cpuHi })} | ${num(c.caseCpuUs, 1)} / ${num(c.baseCpuUs, 1)} | ${c.target === undefined ? '–' : `≥ ${num(c.target, 2)}×`} | ${c.rounds} |`,
    ),
  ]
}

/** The bare baseline's first and last run of each round. */
export function driftTable(rows: readonly Drift[]): string[] {
  return [
    '| round | bare req/s, first → last | change % | bare server CPU µs/req, first → last | change % |',
    '|---:|---|---:|---|---:|',
    ...rows.map(
      (d) =>
        `| ${d.round} | ${num(d.rpsFirst)} → ${num(d.rpsLast)} | ${num(d.rpsDriftPct, 1)} | ${num(d.cpuFirst, 1)} → ${num(d.cpuLast, 1)} | ${num(d.cpuDriftPct, 1)} |`,
    ),
  ]
}

/** Rows of the extra benchmarks; a row not measured says why. */
export function extrasTable(rows: readonly ExtraResult[]): string[] {
  return [
    '| benchmark | measured | ratio (interval) | target | status |',
    '|---|---|---|---|---|',
    ...rows.map((x) => {
      if (x.notMeasured)
        return `| ${cell(x.label)} | not measured in this run: ${cell(x.notMeasured)} | – | – | not measured |`
      const values = x.values.map(
        (v) =>
          `${v.name} ${num(v.value, Number.isInteger(v.value) || Math.abs(v.value) >= 10 ? 0 : 2)}${v.unit ? ` ${v.unit}` : ''}`,
      )
      const unit = x.ratio?.unit ?? '×'
      const ratio = x.ratio
        ? `${x.ratio.name}: ${unit === '×' ? ratioText(x.ratio) : quantityText(x.ratio, unit)}, ${x.ratio.how}`
        : '–'
      const target = x.target
        ? `${x.target.op} ${unit === '×' ? `${num(x.target.value, 2)}×` : `${num(x.target.value, 1)} ${unit}`}`
        : '–'
      return `| ${cell(x.label)} | ${cell(values.join('; ') || '–')} | ${cell(ratio)} | ${target} | ${x.verdict ? VERDICT[x.verdict] : '–'} |`
    }),
  ]
}

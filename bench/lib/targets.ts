import { type Interval, type Verdict, verdict } from './interval.js'
import type { CaseSummary, ComparisonSummary } from './summary.js'

/** One row of the issues' targets table, evaluated on this run. */
export interface TargetRow {
  what: string
  /** Tessera's ratio (median and min–max over rounds), null when it did not run. */
  tessera: Interval | null
  /** The same ratio by server CPU µs/request (less sensitive to the load generator). */
  cpu: Interval | null
  /** The like-for-like peer's ratio on the same terms, where there is one. */
  peer: (Interval & { label: string }) | null
  /** `≥`: the ratio must reach the target; `≤`: it must stay under it. */
  op: '≥' | '≤'
  target: number
  verdict: Verdict
}

// Store calls or Redis commands that change state; anything else (get, hgetall, …) is a read.
const WRITES = new Set([
  'set',
  'touch',
  'update',
  'create',
  'destroy',
  'expire',
  'pexpire',
  'pexpireat',
  'expireat',
  'setex',
  'psetex',
  'hset',
  'hmset',
  'del',
  'unlink',
  'zadd',
  'zrem',
  'sadd',
  'srem',
  'eval',
  'evalsha',
  'fcall',
  'multi',
  'exec',
])

/**
 * Writes per read-only request: store calls that write (check phase) or, failing that, Redis
 * write commands during the timed load; null when neither was counted.
 *
 * @example
 * writesPerRead(summary) // 0
 */
export function writesPerRead(s: CaseSummary): number | null {
  const m = s.storeCallsPerReq ?? s.redisPerReq
  if (!m) return null
  return Object.entries(m).reduce((a, [k, v]) => a + (WRITES.has(k.toLowerCase()) ? v : 0), 0)
}

const of = (x: { ratio: number; lo: number; hi: number } | undefined): Interval | null =>
  x ? { median: x.ratio, lo: x.lo, hi: x.hi } : null

/**
 * Judges a ratio against a target on its interval over rounds (see {@link verdict}); a `≤`
 * target is judged on the reciprocal, so "met" always means every round cleared it.
 *
 * @example
 * judge({ median: 2, lo: 1.5, hi: 2.5 }, '≤', 3) // 'met'
 */
export function judge(i: Interval | null, op: '≥' | '≤', target: number): Verdict {
  if (!i) return 'not measured'
  if (op === '≥') return verdict(i, target)
  return verdict({ median: 1 / i.median, lo: 1 / i.hi, hi: 1 / i.lo }, 1 / target)
}

/**
 * Evaluates the issues' targets on one run: each on the interval of its ratio over rounds.
 *
 * @example
 * const rows = evaluateTargets(summary, comparisons)
 */
export function evaluateTargets(
  summary: readonly CaseSummary[],
  comparisons: readonly ComparisonSummary[],
): TargetRow[] {
  const c = (id: string) => summary.find((s) => s.id === id)
  const toBare = (id: string) => {
    const s = c(id)
    return s ? { ratio: s.ratio, lo: s.ratioLo, hi: s.ratioHi } : undefined
  }
  const cpuToBare = (id: string) => {
    const s = c(id)
    return s ? { ratio: s.cpuRatio, lo: s.cpuRatioLo, hi: s.cpuRatioHi } : undefined
  }
  const cmp = (id: string) => comparisons.find((x) => x.id === id)
  const cpuCmp = (id: string) => {
    const x = cmp(id)
    return x ? { ratio: x.cpuRatio, lo: x.cpuLo, hi: x.cpuHi } : undefined
  }
  const withLabel = (i: Interval | null, label: string | undefined) =>
    i && label ? { ...i, label } : null
  const row = (
    what: string,
    tessera: Interval | null,
    cpu: Interval | null,
    peer: TargetRow['peer'],
    target: number,
  ): TargetRow => ({
    what,
    tessera,
    cpu,
    peer,
    op: '≥',
    target,
    verdict: judge(tessera, '≥', target),
  })
  const rows: TargetRow[] = [
    row(
      'Tessera node adapter, memory store ÷ bare node:http',
      of(toBare('t-memory')),
      of(cpuToBare('t-memory')),
      withLabel(of(toBare('minimal-mem')), c('minimal-mem')?.label),
      0.6,
    ),
    row(
      'Tessera node adapter, Redis store ÷ bare node:http',
      of(toBare('t-redis')),
      of(cpuToBare('t-redis')),
      withLabel(of(toBare('minimal-redis')), c('minimal-redis')?.label),
      0.5,
    ),
  ]
  const peerOf: Record<string, string> = {
    'express-adapter': 'es-vs-express',
    'fastify-adapter': 'fs-vs-fastify',
  }
  for (const x of comparisons.filter((x) => x.target !== undefined)) {
    const p = peerOf[x.id] ? cmp(peerOf[x.id]!) : undefined
    rows.push(row(x.label, of(x), of(cpuCmp(x.id)), withLabel(of(p), p?.label), x.target!))
  }
  return rows
}

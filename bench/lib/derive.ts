import type { CaseDef } from './cases.js'
import { bareDrift, type Drift } from './drift.js'
import type { RunRecord } from './measure.js'
import { type CaseSummary, type ComparisonSummary, compare, summarize } from './summary.js'
import { evaluateTargets, type TargetRow } from './targets.js'

/** Everything the report states that is computed from the runs rather than measured. */
export interface Derived {
  summary: CaseSummary[]
  comparisons: ComparisonSummary[]
  drift: Drift[]
  targets: TargetRow[]
}

/**
 * Computes the summaries, same-round ratios, bare drift and target verdicts from the raw runs.
 * The harness stores the result in the run's JSON, so every number the report prints is in
 * that file; `bench/report.ts` calls it again to re-render an old run with today's rules.
 *
 * @example
 * const { summary, targets } = derive(cases, runs)
 */
export function derive(cases: readonly CaseDef[], runs: readonly RunRecord[]): Derived {
  const summary = summarize(cases, runs)
  const comparisons = compare(runs)
  return {
    summary,
    comparisons,
    drift: bareDrift(runs),
    targets: evaluateTargets(summary, comparisons),
  }
}

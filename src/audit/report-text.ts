import type { AuditReport } from './engine.js'

/** Counts of each verdict. */
export function tally(report: AuditReport): Record<'PASS' | 'FAIL' | 'WARN' | 'SKIP', number> {
  const t = { PASS: 0, FAIL: 0, WARN: 0, SKIP: 0 }
  for (const r of report.results) t[r.verdict]++
  return t
}

/**
 * The human report: a summary line, then each check with its references, evidence and bounds.
 *
 * @example
 * console.log(textReport(report))
 */
export function textReport(report: AuditReport): string {
  const t = tally(report)
  const { idleMs, absoluteMs, long } = report.timeouts
  const lines = [
    `tessera-session audit of ${report.target.name} (${report.target.baseUrl})`,
    `${report.results.length} checks: ${t.PASS} PASS, ${t.FAIL} FAIL, ${t.WARN} WARN, ${t.SKIP} SKIP · ${report.requests} requests (budget ${report.budget}) · ${(report.durationMs / 1000).toFixed(1)} s`,
    `timeouts waited for: ${long ? 'real (--long)' : 'test profile'}, idle ${ms(idleMs)}, absolute ${ms(absoluteMs)} · randomness sample: ${report.samples} per token kind`,
    'tokens are shown as #<first 12 hex digits of their SHA-256>, never raw',
    '',
  ]
  for (const r of report.results) {
    lines.push(`${r.verdict.padEnd(4)}  ${r.id}: ${r.title}`)
    lines.push(
      `      ASVS 5.0 ${r.asvs.join(', ')} · OWASP Top 10 ${[...r.top10_2021, ...r.top10_2025].join(', ')}`,
    )
    for (const b of r.bounds) lines.push(`      bound: ${b}`)
    for (const e of r.evidence) lines.push(`      ${e}`)
    lines.push('')
  }
  lines.push(
    t.FAIL > 0
      ? `RESULT: FAIL (${t.FAIL} check${t.FAIL > 1 ? 's' : ''})`
      : 'RESULT: no check failed',
  )
  return lines.join('\n')
}

function ms(v: number | null): string {
  return v === null ? 'not declared' : v >= 60_000 ? `${v / 60_000} min` : `${v / 1000} s`
}

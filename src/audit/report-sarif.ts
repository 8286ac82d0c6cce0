// SARIF 2.1.0 for CI code scanning. A black-box finding has no source line, so every result
// points at the target description that was audited (GitHub needs a location per result).
import type { AuditReport } from './engine.js'

const LEVEL = { FAIL: 'error', WARN: 'warning', PASS: 'none', SKIP: 'none' } as const
const KIND = { FAIL: 'fail', WARN: 'fail', PASS: 'pass', SKIP: 'notApplicable' } as const

/**
 * The report as a SARIF 2.1.0 log object (serialise with JSON.stringify).
 *
 * @example
 * writeFileSync('audit.sarif', JSON.stringify(sarifReport(report, 'target.yaml'), null, 2))
 */
export function sarifReport(report: AuditReport, targetFile: string): object {
  const location = {
    physicalLocation: { artifactLocation: { uri: targetFile }, region: { startLine: 1 } },
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tessera-session audit',
            version: report.tool.version,
            informationUri:
              'https://github.com/tessera-session/tessera-session/blob/main/docs/audit.md',
            rules: report.results.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              helpUri: `https://github.com/tessera-session/tessera-session/blob/main/docs/audit.md#${r.id}`,
              properties: {
                tags: [
                  'security',
                  ...r.asvs.map((a) => `ASVS-5.0-${a}`),
                  ...r.top10_2021,
                  ...r.top10_2025,
                ],
              },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt }],
        results: report.results.map((r, i) => ({
          ruleId: r.id,
          ruleIndex: i,
          kind: KIND[r.verdict],
          level: LEVEL[r.verdict],
          message: {
            text: `${r.verdict}: ${r.title} (${report.target.baseUrl}). ${[...r.bounds, ...r.evidence.filter((e) => !e.startsWith('ok:'))].join(' | ') || 'no findings'}`,
          },
          locations: [location],
          properties: {
            verdict: r.verdict,
            evidence: r.evidence,
            bounds: r.bounds,
            durationMs: r.durationMs,
          },
        })),
      },
    ],
  }
}

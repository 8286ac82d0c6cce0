// Shared set-up for the audit tests: the reference app on a known port (its CSRF Origin check
// needs its own origin, which port 0 would not give), and running an audit on a target file.
import { vi } from 'vitest'
import { type AuditReport, runAudit } from '../../src/audit/engine.js'
import { loadTarget } from '../../src/audit/load.js'
import type { Policy } from '../../src/audit/target.js'
import { startApp } from '../helpers/client.js'
import { freePort } from '../services/ports.js'

/** A loopback port nobody listens on right now (outside the ephemeral range: see ports.ts). */
export { freePort }

/**
 * The reference app with the test profile of examples/audit/tessera-bank.yaml, on `storeUrl`
 * (`renewal: false`: without periodic renewal, for an audit with `policy.renewal: null`).
 * A low scrypt cost keeps 130 sign-ins quick; it changes nothing the auditor looks at.
 */
export async function startReference(
  storeUrl: string,
  { renewal = true }: { renewal?: boolean } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  vi.stubEnv('TOKEN_REFRESH_WINDOW', '1s')
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const app = await startApp(
    {
      STORE_URL: storeUrl,
      PORT: String(port),
      ORIGIN: url,
      SESSION_IDLE_TIMEOUT: '2s',
      SESSION_ABSOLUTE_TIMEOUT: '6s',
      SESSION_MAX_PER_USER: '5',
      ...(renewal ? { SESSION_RENEWAL_INTERVAL: '2s', SESSION_RENEWAL_GRACE: '1s' } : {}),
    },
    { scryptCost: 1024 },
  )
  return { url, close: () => app.close() }
}

/** Audits `url` with the target in `file` (its baseUrl replaced, its policy patched). */
export function audit(
  file: string,
  url: string,
  samples?: number,
  policy: Partial<Policy> = {},
): Promise<AuditReport> {
  const loaded = loadTarget(file)
  const target = { ...loaded, baseUrl: url, origin: url, policy: { ...loaded.policy, ...policy } }
  return runAudit({ target, authorised: true, rate: 2000, samples })
}

/** Check id → verdict. */
export function verdicts(report: AuditReport): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.id, r.verdict]))
}

/** The evidence lines of check `id` (empty when it did not run). */
export function evidence(report: AuditReport, id: string): string[] {
  return report.results.find((r) => r.id === id)?.evidence ?? []
}

/** The ids of the checks that did not PASS (FAIL, WARN or SKIP), with their evidence. */
export function notPassed(
  report: AuditReport,
): { id: string; verdict: string; evidence: string[] }[] {
  return report.results
    .filter((r) => r.verdict !== 'PASS')
    .map((r) => ({ id: r.id, verdict: r.verdict, evidence: r.evidence }))
}

/** The ids of the checks that failed, sorted. */
export function failed(report: AuditReport): string[] {
  return report.results
    .filter((r) => r.verdict === 'FAIL')
    .map((r) => r.id)
    .sort()
}

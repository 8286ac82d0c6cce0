// Runs the checks against a target, one after another, with the politeness rules: explicit
// authorisation, the request budget and rate (AuditHttp), only the declared test accounts, and
// every session the auditor opened logged out again after each check.
import { TesseraError } from '../core/errors.js'
import { Agent } from './agent.js'
import { type AuditContext, type CheckResult, Findings, Skip } from './check.js'
import { CHECKS } from './checks/index.js'
import { AuditHttp, BudgetExhausted } from './http.js'
import type { Target } from './target.js'

/** How to run an audit. */
export interface AuditOptions {
  target: Target
  /** The operator's statement that they may test this target (`--i-am-authorised`). */
  authorised: boolean
  budget?: number
  rate?: number
  samples?: number
  long?: boolean
  /** Run only these check ids. */
  only?: readonly string[]
  progress?: (line: string) => void
  /** How the checks wait (tests give one that stalls, as a loaded machine does). */
  sleep?: (ms: number) => Promise<void>
}

/** The outcome of an audit. */
export interface AuditReport {
  tool: { name: 'tessera-session audit'; version: string }
  target: { name: string; baseUrl: string }
  startedAt: string
  durationMs: number
  requests: number
  budget: number
  timeouts: { idleMs: number | null; absoluteMs: number | null; long: boolean }
  samples: number
  results: CheckResult[]
}

const VERSION = '0.1.0'

/**
 * Runs the audit. Throws `ERR_CONFIG` without authorisation, for unknown check ids, or when
 * the test accounts cannot sign in (nothing else would be meaningful).
 *
 * @example
 * const report = await runAudit({ target, authorised: true })
 * process.exitCode = report.results.some((r) => r.verdict === 'FAIL') ? 1 : 0
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  if (!options.authorised)
    throw new TesseraError(
      'ERR_CONFIG',
      'audit: pass --i-am-authorised to confirm you own this target or have written permission to test it',
    )
  const { target } = options
  const unknown = (options.only ?? []).filter((id) => !CHECKS.some((c) => c.id === id))
  if (unknown.length > 0)
    throw new TesseraError(
      'ERR_CONFIG',
      `audit: unknown check ${unknown.join(', ')}; known: ${CHECKS.map((c) => c.id).join(', ')}`,
    )
  const progress = options.progress ?? (() => {})
  const budget = options.budget ?? 3000
  const http = new AuditHttp(target.baseUrl, { budget, rate: options.rate ?? 50 })
  const long = options.long === true
  const p = target.policy
  const timeouts = long
    ? { idleMs: p.long?.idleTimeoutMs ?? null, absoluteMs: p.long?.absoluteTimeoutMs ?? null, long }
    : { idleMs: p.idleTimeoutMs, absoluteMs: p.absoluteTimeoutMs, long }
  const samples = options.samples ?? 80
  let agents: Agent[] = []
  const ctx: AuditContext = {
    target,
    http,
    agent: () => {
      const a = new Agent(target, http)
      agents.push(a)
      return a
    },
    timeouts,
    samples,
    progress,
    sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  }
  const started = Date.now()
  await preflight(ctx)
  const results: CheckResult[] = []
  const selected = CHECKS.filter((c) => !options.only || options.only.includes(c.id))
  for (const [i, check] of selected.entries()) {
    progress(`[${i + 1}/${selected.length}] ${check.id}: ${check.title}`)
    const out = new Findings()
    const t0 = performance.now()
    let verdict: CheckResult['verdict']
    try {
      await check.run({ ...ctx, progress: (m) => progress(`    ${m}`) }, out)
      verdict = out.verdict
    } catch (error) {
      if (error instanceof Skip || error instanceof BudgetExhausted) {
        out.note(error.message)
        verdict = 'SKIP'
      } else {
        out.warn(`the check could not finish: ${(error as Error).message}`)
        verdict = 'WARN'
      }
    }
    await cleanUp(agents)
    agents = []
    const { id, title, asvs, top10_2021, top10_2025 } = check
    const durationMs = Math.round(performance.now() - t0)
    results.push({
      id,
      title,
      asvs,
      top10_2021,
      top10_2025,
      verdict,
      evidence: out.evidence,
      bounds: out.bounds,
      durationMs,
    })
    progress(`    ${verdict}`)
  }
  return {
    tool: { name: 'tessera-session audit', version: VERSION },
    target: { name: target.name, baseUrl: target.baseUrl },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    requests: http.sent,
    budget,
    timeouts,
    samples,
    results,
  }
}

async function preflight(ctx: AuditContext): Promise<void> {
  for (const account of ctx.target.accounts) {
    const agent = ctx.agent()
    const res = await agent.login(account)
    if (!agent.sid)
      throw new TesseraError(
        'ERR_CONFIG',
        `audit: signing in as ${account.username} set no cookie named ${ctx.target.sessionCookie} (status ${res.status}); check login and sessionCookie in the target`,
      )
    if (!(await agent.signedIn()))
      throw new TesseraError(
        'ERR_CONFIG',
        `audit: after signing in as ${account.username}, ${ctx.target.protected.path} does not answer ${ctx.target.protected.status}${ctx.target.protected.contains ? ` containing "${ctx.target.protected.contains}"` : ''}; check protected in the target`,
      )
    await agent.logout()
  }
}

// Politeness: the sessions this check opened end with it (errors ignored: best effort).
async function cleanUp(agents: readonly Agent[]): Promise<void> {
  for (const agent of agents) {
    if (!agent.sid) continue
    try {
      await agent.logout()
    } catch {}
  }
}

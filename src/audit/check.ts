// What a check is and what it returns. Each check is one small module in ./checks; it gathers
// findings as it goes, and the verdict is the worst of them (FAIL > WARN > PASS), or SKIP when
// the target lacks what the check needs.
import type { Agent } from './agent.js'
import type { AuditHttp } from './http.js'
import type { Target } from './target.js'

/** The outcome of one check. */
export type Verdict = 'PASS' | 'FAIL' | 'WARN' | 'SKIP'

/** OWASP references of a check. */
export interface References {
  asvs: string[]
  top10_2021: string[]
  top10_2025: string[]
}

/** What the engine gives a check. */
export interface AuditContext {
  target: Target
  http: AuditHttp
  /** A new simulated client; the engine logs it out after the check (politeness). */
  agent(): Agent
  /** The timeouts the checks wait for (test profile, or real ones under `--long`). */
  timeouts: { idleMs: number | null; absoluteMs: number | null; long: boolean }
  /** How many session IDs the randomness check collects. */
  samples: number
  /** A progress line on stderr. */
  progress(message: string): void
  sleep(ms: number): Promise<void>
}

/** One check module. */
export interface Check extends References {
  id: string
  title: string
  run(ctx: AuditContext, out: Findings): Promise<void>
}

/** A check's result in the report. */
export interface CheckResult extends References {
  id: string
  title: string
  verdict: Verdict
  evidence: string[]
  bounds: string[]
  durationMs: number
}

/** Thrown by {@link Findings.skip}: the check cannot run on this target. */
export class Skip extends Error {
  override name = 'Skip'
}

/** The evidence a check collects; its verdict is the worst finding. */
export class Findings {
  readonly evidence: string[] = []
  readonly bounds: string[] = []
  #worst: 'PASS' | 'WARN' | 'FAIL' = 'PASS'

  /** The worst finding so far. */
  get verdict(): 'PASS' | 'WARN' | 'FAIL' {
    return this.#worst
  }

  /** Something the check verified. */
  pass(message: string): void {
    this.evidence.push(`ok: ${message}`)
  }

  /** A weakness or a missing defence in depth (the check becomes at least WARN). */
  warn(message: string): void {
    this.evidence.push(`WARN: ${message}`)
    if (this.#worst === 'PASS') this.#worst = 'WARN'
  }

  /** A failed requirement (the check becomes FAIL). */
  fail(message: string): void {
    this.evidence.push(`FAIL: ${message}`)
    this.#worst = 'FAIL'
  }

  /** `ok ? pass : fail`, for the common case. */
  expect(ok: boolean, passMessage: string, failMessage: string): boolean {
    if (ok) this.pass(passMessage)
    else this.fail(failMessage)
    return ok
  }

  /** Context that changes no verdict (what was not tested, sample sizes). */
  note(message: string): void {
    this.evidence.push(`note: ${message}`)
  }

  /** A measured bound (shown in the report next to the verdict). */
  bound(message: string): void {
    this.bounds.push(message)
  }

  /** Ends the check as SKIP with a reason. */
  skip(reason: string): never {
    throw new Skip(reason)
  }
}

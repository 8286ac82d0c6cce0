// Helpers the checks share: signing in, probing a copied cookie, polling for refusal.
import { randomBytes } from 'node:crypto'
import type { Agent } from '../agent.js'
import type { AuditContext, Findings } from '../check.js'

/**
 * A new client signed in as test account `which` (0 or 1); the check is skipped when the sign-in
 * fails (the engine's pre-flight has already proved it works, so this means the target changed).
 */
export async function signIn(
  ctx: AuditContext,
  out: Findings,
  which: 0 | 1 = 0,
  via: 'json' | 'form' = 'json',
): Promise<Agent> {
  const agent = ctx.agent()
  const res = await agent.login(ctx.target.accounts[which], via)
  if (!agent.sid || !(await agent.signedIn()))
    return out.skip(
      `signing in as ${ctx.target.accounts[which].username} (${via}) failed: status ${res.status}`,
    )
  return agent
}

/** The `Cookie` header carrying only the session cookie with `value`. */
export function sessionCookie(ctx: AuditContext, value: string): string {
  return `${ctx.target.sessionCookie}=${value}`
}

/**
 * Polls the protected endpoint with a copied cookie until it is refused; returns the ms it
 * took (0 when the first probe was refused) or null when still accepted after `maxMs`.
 */
export async function refusedWithin(
  ctx: AuditContext,
  cookie: string,
  maxMs: number,
): Promise<number | null> {
  const probe = ctx.agent()
  const start = performance.now()
  for (;;) {
    if (!(await probe.signedIn(cookie))) return Math.round(performance.now() - start)
    if (performance.now() - start > maxMs) return null
    await ctx.sleep(Math.min(100, maxMs / 10))
  }
}

/**
 * A value shaped like `sample` (same length, same kind of alphabet) that the target never
 * issued: what an attacker plants for fixation.
 *
 * @example
 * lookalike('0af3') // e.g. 'c91e'
 */
export function lookalike(sample: string): string {
  const alphabet = /^[0-9a-f]+$/.test(sample)
    ? '0123456789abcdef'
    : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const bytes = randomBytes(sample.length)
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}

/** A short "status N" description of a response, for evidence. */
export function statusOf(res: { status: number }): string {
  return `status ${res.status}`
}

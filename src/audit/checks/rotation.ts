import type { AuditContext, Check, Findings } from '../check.js'
import { fingerprint } from '../http.js'
import { sessionCookie, signIn, statusOf } from './support.js'

async function reauth(ctx: AuditContext, out: Findings): Promise<void> {
  const r = ctx.target.reauth
  if (!r) return out.note('no reauth endpoint declared: rotation at re-authentication not tested')
  const agent = await signIn(ctx, out)
  const old = agent.sid!
  const res = await agent.send('POST', r.path, {
    json: { [r.passwordField]: ctx.target.accounts[0].password },
  })
  if (res.status >= 300) return out.warn(`re-authentication answered ${statusOf(res)}: not tested`)
  out.expect(
    agent.sid !== old,
    `re-authentication issued a new ID (${fingerprint(old)} → ${fingerprint(agent.sid)})`,
    `re-authentication kept the ID ${fingerprint(old)}`,
  )
  out.expect(await agent.signedIn(), 'the new ID is signed in', 'the new ID is not signed in')
  if (agent.sid !== old)
    out.expect(
      !(await agent.signedIn(sessionCookie(ctx, old))),
      'the old ID is refused right after re-authentication',
      'the old ID still works after re-authentication',
    )
}

// Periodic rotation: stay active until the ID changes, then the old ID may work for the grace
// window and must be refused after it.
async function renewal(ctx: AuditContext, out: Findings): Promise<void> {
  const r = ctx.target.policy.renewal
  if (!r) return out.note('no policy.renewal declared: periodic rotation not tested')
  const agent = await signIn(ctx, out)
  const old = agent.sid!
  const step = Math.max(100, Math.min(r.intervalMs, ctx.timeouts.idleMs ?? r.intervalMs) / 4)
  const start = performance.now()
  ctx.progress(`renewal: active until the ID rotates (declared every ${r.intervalMs} ms)`)
  while (agent.sid === old && performance.now() - start < 2 * r.intervalMs + 1000) {
    await ctx.sleep(step)
    if (!(await agent.signedIn()))
      return out.fail('renewal: the session ended while active, before any rotation')
  }
  if (agent.sid === old)
    return out.fail(
      `renewal: no new ID after ${Math.round(performance.now() - start)} ms of activity (declared interval ${r.intervalMs} ms)`,
    )
  const rotatedAt = performance.now()
  out.bound(
    `renewal: a new ID after ≤ ${Math.round(rotatedAt - start)} ms of activity (declared ${r.intervalMs} ms)`,
  )
  const cookie = sessionCookie(ctx, old)
  if (await agent.signedIn(cookie))
    out.pass(
      `renewal: the old ID still works inside the grace window (${r.graceMs} ms), as declared`,
    )
  else out.pass('renewal: the old ID is refused at once')
  await ctx.sleep(
    Math.max(0, rotatedAt + r.graceMs + Math.max(300, r.graceMs * 0.25) - performance.now()),
  )
  out.expect(
    !(await agent.signedIn(cookie)),
    `renewal: the old ID is refused after the grace window (${r.graceMs} ms)`,
    `renewal: the old ID still works after the grace window (${r.graceMs} ms): a stolen pre-rotation ID stays usable`,
  )
  out.expect(
    await agent.signedIn(),
    'renewal: the new ID is signed in',
    'renewal: the new ID is not signed in',
  )
}

/** Check 6: rotation at re-authentication, and periodic rotation with its grace window. */
export const rotation: Check = {
  id: 'rotation',
  title: 'Rotation: old IDs die after re-authentication and after the renewal grace window',
  asvs: ['7.2.4', '7.3.1'],
  top10_2021: ['A07:2021'],
  top10_2025: ['A07:2025'],
  async run(ctx, out) {
    if (!ctx.target.reauth && !ctx.target.policy.renewal)
      return out.skip('the target declares no reauth endpoint and no policy.renewal')
    await reauth(ctx, out)
    await renewal(ctx, out)
  },
}

import type { Agent } from '../agent.js'
import { pick } from '../agent.js'
import type { AuditContext, Check, Findings } from '../check.js'
import { refusedWithin, sessionCookie, signIn, statusOf } from './support.js'

// How long a revoked session may keep working. Kept under the absolute timeout, so a session
// that merely expired is never mistaken for a revoked one.
function within(ctx: AuditContext): number {
  return Math.min(5000, Math.max(200, (ctx.timeouts.absoluteMs ?? 15_000) / 3))
}

// A token pair of account 0, to see whether ending "the other sessions" ends tokens too.
async function tokenPair(ctx: AuditContext): Promise<{ access: string; refresh: string } | null> {
  const t = ctx.target.tokens
  if (!t) return null
  const a = ctx.target.accounts[0]
  const res = await ctx.agent().send('POST', t.issue, {
    json: { [t.usernameField]: a.username, [t.passwordField]: a.password },
  })
  const access = pick(res.json, t.accessField)
  const refresh = pick(res.json, t.refreshField)
  return access && refresh ? { access, refresh } : null
}

async function expectEnded(
  ctx: AuditContext,
  out: Findings,
  what: string,
  victim: Agent,
  pair: Awaited<ReturnType<typeof tokenPair>>,
): Promise<void> {
  const limit = within(ctx)
  const ms = await refusedWithin(ctx, sessionCookie(ctx, victim.sid!), limit)
  if (ms === null) out.fail(`${what}: the other session still works ${limit} ms later`)
  else {
    out.pass(`${what}: the other session is refused`)
    out.bound(`${what}: other session refused within ≤ ${ms} ms of the answer`)
  }
  if (!pair) return
  const t = ctx.target.tokens!
  const probe = ctx.agent()
  const read = await probe.send('GET', ctx.target.protected.path, {
    headers: { authorization: `Bearer ${pair.access}` },
  })
  out.expect(
    read.status >= 400,
    `${what}: the other session's access token is refused (${statusOf(read)})`,
    `${what}: the other session's access token still reads the protected endpoint (${statusOf(read)})`,
  )
  const refresh = await probe.send('POST', t.refresh, {
    json: { [t.refreshRequestField]: pair.refresh },
  })
  out.expect(
    refresh.status >= 400,
    `${what}: its refresh token is refused (${statusOf(refresh)})`,
    `${what}: its refresh token still gets new tokens (${statusOf(refresh)})`,
  )
}

async function revokeOne(ctx: AuditContext, out: Findings): Promise<void> {
  const s = ctx.target.sessions!
  const actor = await signIn(ctx, out)
  const victim = await signIn(ctx, out)
  const list = await actor.send('GET', s.list)
  const items = (list.json as Record<string, unknown> | null)?.[s.listField]
  const other = Array.isArray(items)
    ? items.find(
        (i) => i && typeof i === 'object' && !(i as Record<string, unknown>)[s.currentField],
      )
    : undefined
  const handle = other && (other as Record<string, unknown>)[s.handleField]
  if (typeof handle !== 'string')
    return out.warn(`the session list (${statusOf(list)}) shows no other session to revoke`)
  // Several other sessions may be listed; revoke them one at a time until the victim's is gone.
  for (const item of items as Record<string, unknown>[]) {
    if (item[s.currentField] || typeof item[s.handleField] !== 'string') continue
    const res = await actor.send(
      s.revoke.method,
      s.revoke.path.replace('{handle}', encodeURIComponent(item[s.handleField] as string)),
      { json: {} },
    )
    if (res.status >= 300) return out.fail(`revoking another session answered ${statusOf(res)}`)
    if (!(await victim.signedIn(sessionCookie(ctx, victim.sid!)))) break
  }
  await expectEnded(ctx, out, 'revoke one', victim, null)
  out.expect(
    await actor.signedIn(),
    'revoke one: the acting session stays signed in',
    'revoke one: the acting session was signed out',
  )
}

async function revokeOthers(ctx: AuditContext, out: Findings): Promise<void> {
  const endpoint = ctx.target.sessions?.revokeOthers
  if (!endpoint) return out.note('no revokeOthers endpoint declared')
  const pair = await tokenPair(ctx)
  const victim = await signIn(ctx, out)
  const actor = await signIn(ctx, out)
  const res = await actor.send(endpoint.method, endpoint.path, { json: {} })
  if (res.status >= 300) return out.fail(`revoke others answered ${statusOf(res)}`)
  await expectEnded(ctx, out, 'revoke others', victim, pair)
  out.expect(
    await actor.signedIn(),
    'revoke others: the acting session stays signed in',
    'revoke others: the acting session was signed out',
  )
}

async function passwordChange(ctx: AuditContext, out: Findings): Promise<void> {
  const p = ctx.target.passwordChange
  if (!p) return out.note('no passwordChange endpoint declared')
  const pair = await tokenPair(ctx)
  const victim = await signIn(ctx, out)
  const actor = await signIn(ctx, out)
  // The same password again: the account stays usable whatever happens next.
  const password = ctx.target.accounts[0].password
  const res = await actor.send('POST', p.path, {
    json: { [p.currentField]: password, [p.newField]: password },
  })
  if (res.status >= 300)
    return out.warn(`changing the password to the same value answered ${statusOf(res)}: not tested`)
  await expectEnded(ctx, out, 'password change', victim, pair)
  out.expect(
    await actor.signedIn(),
    'password change: the acting session stays signed in',
    'password change: the acting session was signed out',
  )
}

/** Check 8: revoke one / revoke others / password change end the other sessions and tokens. */
export const revocation: Check = {
  id: 'revocation',
  title: 'Revoke one, revoke others and password change end the other sessions',
  asvs: ['7.4.3', '7.5.2', '7.4.1'],
  top10_2021: ['A01:2021', 'A07:2021'],
  top10_2025: ['A01:2025', 'A07:2025'],
  async run(ctx, out) {
    if (!ctx.target.sessions && !ctx.target.passwordChange)
      return out.skip('the target declares neither sessions nor passwordChange')
    if (ctx.target.sessions) await revokeOne(ctx, out)
    else out.note('no sessions endpoints declared')
    await revokeOthers(ctx, out)
    await passwordChange(ctx, out)
  },
}

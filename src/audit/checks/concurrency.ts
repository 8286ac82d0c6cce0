import type { Agent } from '../agent.js'
import type { AuditContext, Check, Findings } from '../check.js'
import { sessionCookie, signIn } from './support.js'

const PARALLEL = 10

// Reads racing a rotation, their Set-Cookie headers applied in the order the answers arrived
// (what a browser does): the user must still be signed in afterwards.
async function duringRotation(ctx: AuditContext, out: Findings): Promise<void> {
  const r = ctx.target.reauth
  if (!r) return out.note('no reauth endpoint: rotation race not tested')
  const agent = await signIn(ctx, out)
  const reads = Array.from({ length: PARALLEL }, () => agent.send('GET', ctx.target.protected.path))
  const rotate = agent.send('POST', r.path, {
    json: { [r.passwordField]: ctx.target.accounts[0].password },
  })
  await Promise.all([...reads, rotate])
  out.expect(
    await agent.signedIn(),
    `${PARALLEL} reads racing a re-authentication leave the user signed in`,
    `${PARALLEL} reads racing a re-authentication logged the user out`,
  )
}

async function duringLogout(ctx: AuditContext, out: Findings): Promise<void> {
  const agent = await signIn(ctx, out)
  const cookie = sessionCookie(ctx, agent.sid!)
  const sequential = await signIn(ctx, out)
  const before = sequential.sid!
  await sequential.logout()
  if (await sequential.signedIn(sessionCookie(ctx, before)))
    return out.note(
      'a sequential logout does not end the session (see check logout): resurrection race not tested',
    )
  const reads = Array.from({ length: PARALLEL }, () =>
    agent.send('GET', ctx.target.protected.path, { absorb: false }),
  )
  const writes = Array.from({ length: 3 }, () => agent.write({ absorb: false }))
  await Promise.all([...reads, ...writes, agent.logout()])
  await ctx.sleep(200)
  out.expect(
    !(await agent.signedIn(cookie)),
    `${PARALLEL} reads and 3 writes racing a logout do not resurrect the session`,
    'the session is alive again after reads and writes raced its logout (resurrected)',
  )
}

async function duringRefresh(ctx: AuditContext, out: Findings): Promise<void> {
  const t = ctx.target.tokens
  if (!t) return out.note('no token endpoints: refresh race not tested')
  const a = ctx.target.accounts[0]
  const agent: Agent = ctx.agent()
  const pair = await agent.send('POST', t.issue, {
    json: { [t.usernameField]: a.username, [t.passwordField]: a.password },
  })
  const token = (pair.json as Record<string, unknown> | null)?.[t.refreshField]
  if (typeof token !== 'string')
    return out.note('token issue returned no refresh token: refresh race not tested')
  const results = await Promise.all(
    Array.from({ length: 5 }, () =>
      agent.send('POST', t.refresh, { json: { [t.refreshRequestField]: token } }),
    ),
  )
  const next = results
    .map((r) => (r.json as Record<string, unknown> | null)?.[t.refreshField])
    .filter((v): v is string => typeof v === 'string')
  let alive = false
  for (const n of new Set(next)) {
    const again = await agent.send('POST', t.refresh, { json: { [t.refreshRequestField]: n } })
    if (again.status < 300) {
      alive = true
      const last = (again.json as Record<string, unknown> | null)?.[t.refreshField]
      if (t.revoke && typeof last === 'string')
        await agent.send('POST', t.revoke, { json: { [t.refreshRequestField]: last } })
      break
    }
  }
  if (alive)
    out.pass(
      `5 parallel refreshes of one token: ${next.length} answered, and the client can still refresh`,
    )
  else
    out.warn(
      `5 parallel refreshes of one token ended the family (${next.length} answered): a client retrying or with two tabs is signed out`,
    )
}

/** Check 7: concurrency around rotation, logout and refresh. */
export const concurrency: Check = {
  id: 'concurrency',
  title: 'Concurrency: races neither sign users out nor resurrect sessions',
  asvs: ['7.4.1', '7.2.4', '10.4.5'],
  top10_2021: ['A04:2021', 'A07:2021'],
  top10_2025: ['A06:2025', 'A07:2025'],
  async run(ctx, out) {
    await duringRotation(ctx, out)
    await duringLogout(ctx, out)
    await duringRefresh(ctx, out)
  },
}

import type { AuditContext, Check, Findings } from '../check.js'
import { fingerprint } from '../http.js'
import { lookalike, sessionCookie, signIn } from './support.js'

const label = (via: 'json' | 'form') => (via === 'form' ? 'form sign-in' : 'sign-in')

async function preLogin(ctx: AuditContext, out: Findings, via: 'json' | 'form'): Promise<void> {
  const agent = ctx.agent()
  if (via === 'form' && ctx.target.formLogin) await agent.send('GET', ctx.target.formLogin.page)
  else await agent.fetchCsrf()
  const before = agent.sid
  await agent.login(ctx.target.accounts[0], via)
  if (!agent.sid) return out.skip(`${label(via)} set no session cookie`)
  if (before === null) {
    out.pass(`${label(via)}: no session cookie before sign-in (nothing to fix)`)
    return
  }
  out.expect(
    before !== agent.sid,
    `${label(via)}: the pre-login ID ${fingerprint(before)} was replaced at sign-in`,
    `${label(via)}: the pre-login ID ${fingerprint(before)} is still the session ID after sign-in`,
  )
  out.expect(
    !(await agent.signedIn(sessionCookie(ctx, before))),
    `${label(via)}: the pre-login ID is not signed in`,
    `${label(via)}: the pre-login ID is signed in (session fixation)`,
  )
}

async function planted(
  ctx: AuditContext,
  out: Findings,
  via: 'json' | 'form',
  shape: string,
): Promise<void> {
  const agent = ctx.agent()
  const chosen = lookalike(shape)
  agent.jar.set(ctx.target.sessionCookie, chosen)
  await agent.login(ctx.target.accounts[0], via)
  out.expect(
    agent.sid !== chosen,
    `${label(via)}: an attacker-chosen well-formed ID ${fingerprint(chosen)} was not adopted`,
    `${label(via)}: the attacker-chosen ID ${fingerprint(chosen)} was kept as the session ID`,
  )
  out.expect(
    !(await agent.signedIn(sessionCookie(ctx, chosen))),
    `${label(via)}: the chosen ID is not signed in`,
    `${label(via)}: the attacker-chosen ID is signed in (session fixation)`,
  )
}

/** Check 3: fixation (pre-login ID, re-login, attacker-chosen ID; JSON and form). */
export const fixation: Check = {
  id: 'fixation',
  title: 'Session fixation: the ID changes at every sign-in',
  asvs: ['7.2.4'],
  top10_2021: ['A07:2021'],
  top10_2025: ['A07:2025'],
  async run(ctx, out) {
    const first = await signIn(ctx, out)
    const old = first.sid!
    await first.login(ctx.target.accounts[0])
    out.expect(
      first.sid !== old,
      'signing in again over a live session issues a new ID',
      `signing in again keeps the ID ${fingerprint(old)}`,
    )
    out.expect(
      !(await first.signedIn(sessionCookie(ctx, old))),
      'the ID from before the second sign-in is refused',
      'the ID from before the second sign-in still works',
    )
    const vias: ('json' | 'form')[] = ctx.target.formLogin ? ['json', 'form'] : ['json']
    if (!ctx.target.formLogin) out.note('no formLogin declared: the form sign-in was not tested')
    for (const via of vias) {
      await preLogin(ctx, out, via)
      await planted(ctx, out, via, old)
    }
  },
}

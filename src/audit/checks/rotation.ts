import type { Check } from '../check.js'
import { fingerprint } from '../http.js'
import { sessionCookie, signIn, statusOf } from './support.js'

/** Check 6: re-authentication rotates the ID and the old one is dead at once. */
export const rotation: Check = {
  id: 'rotation',
  title: 'Rotation: the old ID is dead right after re-authentication',
  asvs: ['7.2.4'],
  top10_2021: ['A07:2021'],
  top10_2025: ['A07:2025'],
  async run(ctx, out) {
    const r = ctx.target.reauth
    if (!r) return out.skip('the target declares no reauth endpoint')
    const agent = await signIn(ctx, out)
    const old = agent.sid!
    const res = await agent.send('POST', r.path, {
      json: { [r.passwordField]: ctx.target.accounts[0].password },
    })
    if (res.status >= 300) return out.skip(`re-authentication answered ${statusOf(res)}`)
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
  },
}

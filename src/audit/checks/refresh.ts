import { pick } from '../agent.js'
import type { Check } from '../check.js'
import { statusOf } from './support.js'

/** Check 10: refresh tokens rotate, reuse ends the family, a revoked family is refused. */
export const refresh: Check = {
  id: 'refresh',
  title: 'Refresh tokens: rotation, reuse detection, revocation',
  asvs: ['10.4.5', '10.4.8', '7.4.1'],
  top10_2021: ['A07:2021', 'A01:2021'],
  top10_2025: ['A07:2025', 'A01:2025'],
  async run(ctx, out) {
    const t = ctx.target.tokens
    if (!t) return out.skip('the target declares no token endpoints')
    const a = ctx.target.accounts[0]
    const agent = ctx.agent()
    const body = (token: string) => ({ json: { [t.refreshRequestField]: token } })
    const issue = async () => {
      const res = await agent.send('POST', t.issue, {
        json: { [t.usernameField]: a.username, [t.passwordField]: a.password },
      })
      return { access: pick(res.json, t.accessField), refresh: pick(res.json, t.refreshField), res }
    }
    const first = await issue()
    if (!first.refresh)
      return out.skip(`token issue gave no ${t.refreshField} (${statusOf(first.res)})`)
    const next = await agent.send('POST', t.refresh, body(first.refresh))
    const second = pick(next.json, t.refreshField)
    if (!second) return out.skip(`refresh answered ${statusOf(next)}`)
    out.expect(
      second !== first.refresh,
      'refresh rotates the refresh token',
      'refresh returns the same refresh token (no rotation)',
    )
    const window = ctx.target.policy.refreshReuseWindowMs
    if (window === null)
      out.note(
        'no policy.refreshReuseWindow declared: reuse tested at once (a grace window would make this a WARN)',
      )
    else {
      ctx.progress(`waiting out the refresh reuse window (${window} ms)`)
      await ctx.sleep(window + Math.max(300, window * 0.2))
    }
    const reuse = await agent.send('POST', t.refresh, body(first.refresh))
    const reuseRefused = reuse.status >= 400
    if (!reuseRefused && window === null)
      out.warn(
        `reusing a spent refresh token at once is accepted (${statusOf(reuse)}): a grace window? declare policy.refreshReuseWindow`,
      )
    else
      out.expect(
        reuseRefused,
        `reusing the spent refresh token is refused (${statusOf(reuse)})`,
        `reusing the spent refresh token outside the window gets new tokens (${statusOf(reuse)})`,
      )
    const family = await agent.send('POST', t.refresh, body(second))
    out.expect(
      family.status >= 400,
      `after the reuse, the family's current token is refused too (${statusOf(family)})`,
      `after the reuse, the family's current token still works (${statusOf(family)}): reuse does not end the family`,
    )
    if (first.access) {
      const read = await agent.send('GET', ctx.target.protected.path, {
        headers: { authorization: `Bearer ${first.access}` },
      })
      if (read.status < 300)
        out.note(
          "the family's first access token still reads after reuse detection (a stateless access token lives until it expires)",
        )
    }
    if (!t.revoke)
      return out.note(
        'no token revoke endpoint declared: revocation not tested here (see check revocation)',
      )
    const other = await issue()
    if (!other.refresh) return out.warn('second token issue failed')
    const revoke = await agent.send('POST', t.revoke, body(other.refresh))
    out.note(`revoke answered ${statusOf(revoke)}`)
    const after = await agent.send('POST', t.refresh, body(other.refresh))
    out.expect(
      after.status >= 400,
      `a revoked session's refresh token is refused (${statusOf(after)})`,
      `a revoked session's refresh token still gets new tokens (${statusOf(after)})`,
    )
  },
}

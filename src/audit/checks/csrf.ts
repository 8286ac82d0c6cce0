import type { Agent } from '../agent.js'
import type { Check } from '../check.js'
import { signIn, statusOf } from './support.js'

const FOREIGN = 'https://attacker.example'

/** Check 11: the CSRF defence, probed with a raw client. */
export const csrf: Check = {
  id: 'csrf',
  title: 'CSRF: forged state changes are refused',
  asvs: ['3.5.1', '3.5.3', '14.2.1'],
  top10_2021: ['A01:2021'],
  top10_2025: ['A01:2025'],
  async run(ctx, out) {
    const c = ctx.target.csrf
    const agent = await signIn(ctx, out)
    const other = await signIn(ctx, out, 1)
    const token = agent.csrf
    const control = await agent.write()
    if (control.status >= 300)
      return out.skip(`the legitimate write is refused (${statusOf(control)}): fix target.write`)
    out.pass(`the legitimate write is accepted (${statusOf(control)})`)
    const h = c?.header
    // Each forgery: extra headers, the token it carries (null: none), a query string.
    const attempts: [string, Record<string, string>, string | null, string][] = [
      ['no token, no Origin', { origin: '' }, null, ''],
      ['no token, same Origin', {}, null, ''],
      ['no token, foreign Origin', { origin: FOREIGN }, null, ''],
      ['no token, Origin: null', { origin: 'null' }, null, ''],
      [
        'no token, Sec-Fetch-Site: cross-site, no Origin',
        { origin: '', 'sec-fetch-site': 'cross-site' },
        null,
        '',
      ],
    ]
    if (token && c) {
      const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')
      attempts.push(['altered token', {}, altered, ''])
      if (other.csrf) attempts.push(["another session's token", {}, other.csrf, ''])
      attempts.push([
        'token only in the query string',
        {},
        null,
        `?${c.formField}=${encodeURIComponent(token)}`,
      ])
    } else out.note('the target declares no CSRF token source: token forgeries not tested')
    for (const [what, headers, forged, query] of attempts) {
      const res = await send(agent, ctx.target.write, headers, h, forged, query)
      out.expect(
        res.status >= 400,
        `${what}: refused (${statusOf(res)})`,
        `${what}: the forged write was accepted (${statusOf(res)})`,
      )
    }
    // With a valid token, a cross-site request is not a forgery an attacker can make; still,
    // Origin and Fetch Metadata are the defence in depth the cheat sheet asks for.
    const foreign = await send(agent, ctx.target.write, { origin: FOREIGN }, h, token)
    if (foreign.status >= 400)
      out.pass(`valid token from a foreign Origin: refused (${statusOf(foreign)})`)
    else
      out.warn(
        `valid token from a foreign Origin: accepted (${statusOf(foreign)}); Origin is not checked`,
      )
    const site = await send(agent, ctx.target.write, { 'sec-fetch-site': 'cross-site' }, h, token)
    if (site.status >= 400)
      out.pass(`valid token with Sec-Fetch-Site: cross-site: refused (${statusOf(site)})`)
    else
      out.warn(
        `valid token with Sec-Fetch-Site: cross-site: accepted (${statusOf(site)}); Fetch Metadata is not used`,
      )
  },
}

function send(
  agent: Agent,
  write: { method: string; path: string; body: Record<string, unknown> },
  headers: Record<string, string>,
  header: string | undefined,
  token: string | null | undefined,
  query = '',
) {
  const all = { ...headers }
  if (header) all[header] = token ?? ''
  return agent.send(write.method, write.path + query, {
    json: write.body,
    headers: all,
    csrf: false,
    absorb: false,
  })
}

import type { Check } from '../check.js'
import { signIn } from './support.js'

/** Check 12: duplicate, case-variant and unprefixed session cookies. */
export const cookieTossing: Check = {
  id: 'cookie-tossing',
  title: 'Cookie tossing: duplicates, case variants, unprefixed twins',
  asvs: ['3.3.3', '7.2.1'],
  top10_2021: ['A07:2021', 'A08:2021'],
  top10_2025: ['A07:2025', 'A08:2025'],
  async run(ctx, out) {
    const name = ctx.target.sessionCookie
    const victim = await signIn(ctx, out, 0)
    const attacker = await signIn(ctx, out, 1)
    const probe = ctx.agent()
    const read = (cookie: string) =>
      probe.send('GET', ctx.target.protected.path, { cookie, absorb: false })
    const who = (text: string) =>
      ctx.target.accounts.findIndex(
        (a) => text.includes(`"${a.username}"`) || text.includes(`>${a.username}<`),
      )
    // A tossed cookie (set by a sibling subdomain) usually arrives first: more specific Path.
    for (const [label, cookie] of [
      ['attacker first', `${name}=${attacker.sid}; ${name}=${victim.sid}`],
      ['victim first', `${name}=${victim.sid}; ${name}=${attacker.sid}`],
    ] as const) {
      const res = await read(cookie)
      const signedIn = res.status === ctx.target.protected.status
      const as = signedIn ? who(res.text) : -1
      if (!signedIn) out.pass(`two ${name} cookies (${label}): treated as no session`)
      else if (as === 1)
        out.fail(
          `two ${name} cookies (${label}): the request runs as the attacker's account (login CSRF by cookie tossing)`,
        )
      else if (as === 0) out.pass(`two ${name} cookies (${label}): the victim's session is used`)
      else
        out.warn(
          `two ${name} cookies (${label}): signed in, but the account could not be told from the response`,
        )
    }
    const variants = new Set([
      name.toLowerCase(),
      name.toUpperCase(),
      name.replace(/^__(Host|Secure)-/, ''),
    ])
    variants.delete(name)
    for (const variant of variants) {
      const res = await read(`${variant}=${victim.sid}`)
      out.expect(
        res.status !== ctx.target.protected.status,
        `a cookie named "${variant}" is not a session`,
        `a cookie named "${variant}" is accepted as the session (a subdomain can set it)`,
      )
    }
  },
}

import type { Check } from '../check.js'
import { isClearing, parseSetCookie } from '../cookies.js'
import { sessionCookie, signIn, statusOf } from './support.js'

/** Check 4: logout ends the session on the server and clears the client. */
export const logout: Check = {
  id: 'logout',
  title: 'Logout ends the session on the server',
  asvs: ['7.4.1', '14.3.1', '3.5.3'],
  top10_2021: ['A01:2021', 'A07:2021'],
  top10_2025: ['A01:2025', 'A07:2025'],
  async run(ctx, out) {
    const t = ctx.target
    const agent = await signIn(ctx, out)
    const sid = agent.sid!
    const csrf = agent.csrf
    const res = await agent.logout()
    out.expect(res.status < 400, `logout answered ${res.status}`, `logout answered ${res.status}`)
    const cookie = sessionCookie(ctx, sid)
    out.expect(
      !(await agent.signedIn(cookie)),
      'the old cookie is refused for reads afterwards',
      'the old cookie still reads the protected endpoint after logout (the server kept the session)',
    )
    const write = await agent.write({
      cookie,
      headers: csrf && t.csrf ? { [t.csrf.header]: csrf } : {},
      absorb: false,
    })
    out.expect(
      write.status >= 400,
      `the old cookie is refused for writes (${statusOf(write)})`,
      `the old cookie still performs the write after logout (${statusOf(write)})`,
    )
    const cleared = res.setCookies
      .map(parseSetCookie)
      .some((c) => c?.name === t.sessionCookie && isClearing(c))
    out.expect(
      cleared,
      'the response clears the session cookie',
      'the response does not clear the session cookie',
    )
    const csd = res.headers.get('clear-site-data')
    // Any directive counts: the clearing Set-Cookie above already covers "cookies".
    if (csd) out.pass(`Clear-Site-Data: ${csd}`)
    else out.warn('no Clear-Site-Data on the logout response (ASVS 14.3.1)')
    const cache = res.headers.get('cache-control') ?? ''
    if (/no-store/.test(cache)) out.pass('Cache-Control: no-store')
    else out.warn(`logout response Cache-Control is "${cache}", not no-store`)
    // Logout by GET: a link on another site could end the session (logout CSRF).
    const victim = await signIn(ctx, out)
    await victim.send('GET', t.logout.path)
    out.expect(
      await victim.signedIn(),
      `GET ${t.logout.path} does not log out`,
      `GET ${t.logout.path} logs the user out (cross-site logout by a link)`,
    )
    const anonymous = await ctx.agent().logout()
    out.expect(
      anonymous.status < 500,
      `logout without a session answers ${anonymous.status}`,
      `logout without a session fails with ${anonymous.status}`,
    )
  },
}

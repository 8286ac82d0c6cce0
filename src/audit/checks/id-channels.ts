import type { Check } from '../check.js'
import { signIn } from './support.js'

/** Check 13: the session ID is accepted from the cookie only (not URL, body or headers). */
export const idChannels: Check = {
  id: 'id-channels',
  title: 'Session ID accepted only from its cookie',
  asvs: ['14.2.1', '3.3.4'],
  top10_2021: ['A07:2021', 'A04:2021'],
  top10_2025: ['A07:2025', 'A06:2025'],
  async run(ctx, out) {
    const t = ctx.target
    const agent = await signIn(ctx, out)
    const sid = agent.sid!
    const probe = ctx.agent()
    const names = [
      ...new Set([
        t.sessionCookie,
        t.sessionCookie.replace(/^__(Host|Secure)-/, ''),
        'sid',
        'session',
        'sessionid',
        'session_id',
        'token',
      ]),
    ]
    const query = names.map((n) => `${encodeURIComponent(n)}=${encodeURIComponent(sid)}`).join('&')
    const url = await probe.send(
      'GET',
      `${t.protected.path}${t.protected.path.includes('?') ? '&' : '?'}${query}`,
      { cookie: null, absorb: false },
    )
    out.expect(
      url.status !== t.protected.status,
      'not accepted from the query string',
      'the session ID in the query string signs the request in (IDs leak through logs and Referer)',
    )
    const headers: Record<string, string> = {
      authorization: `Bearer ${sid}`,
      'x-session-id': sid,
      'x-session-token': sid,
      'x-auth-token': sid,
    }
    for (const [h, v] of Object.entries(headers)) {
      const res = await probe.send('GET', t.protected.path, {
        cookie: null,
        headers: { [h]: v },
        absorb: false,
      })
      out.expect(
        res.status !== t.protected.status,
        `not accepted from the ${h} header`,
        `the session ID in the ${h} header signs the request in`,
      )
    }
    const form = Object.fromEntries(names.map((n) => [n, sid]))
    // With the session's own CSRF token: a refusal then means the ID in the body was ignored,
    // not that the forgery defence stopped the request.
    const token = agent.csrf && t.csrf ? { [t.csrf.header]: agent.csrf } : undefined
    const body = await probe.send(t.write.method, t.write.path, {
      cookie: null,
      form: { ...form, ...stringify(t.write.body) },
      headers: token,
      absorb: false,
    })
    out.expect(
      body.status >= 400,
      `not accepted from a form body (${body.status})`,
      `the session ID in a form body performs the write (${body.status})`,
    )
  },
}

function stringify(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  )
}

import type { Check } from '../check.js'
import { isClearing, lifetimeMs, parseSetCookie } from '../cookies.js'
import { signIn } from './support.js'

/** Check 2: the session cookie's prefix and attributes, and the other cookies' basics. */
export const cookieAttributes: Check = {
  id: 'cookie-attributes',
  title: 'Cookie attributes and prefixes',
  asvs: ['3.3.1', '3.3.2', '3.3.3', '3.3.4', '3.3.5'],
  top10_2021: ['A05:2021', 'A01:2021'],
  top10_2025: ['A02:2025', 'A01:2025'],
  async run(ctx, out) {
    const agent = await signIn(ctx, out)
    const cookies = agent.received.map(parseSetCookie).filter((c) => c !== null && !isClearing(c))
    const name = ctx.target.sessionCookie
    const c = cookies.filter((x) => x?.name === name).at(-1)
    if (!c) return out.skip(`the sign-in set no cookie named ${name}`)
    const a = c.attributes
    const prefix = name.startsWith('__Host-')
      ? '__Host-'
      : name.startsWith('__Secure-')
        ? '__Secure-'
        : null
    if (prefix === '__Host-')
      out.pass('__Host- prefix (bound to this host, Path=/, no Domain, Secure)')
    else if (prefix === '__Secure-')
      out.warn('__Secure- prefix, not __Host-: subdomains may set a twin (ASVS 3.3.3)')
    else out.fail(`no __Host- or __Secure- prefix on "${name}" (ASVS 3.3.1)`)
    out.expect(a.has('secure'), 'Secure', 'Secure is missing: the cookie travels over plain HTTP')
    out.expect(
      a.has('httponly'),
      'HttpOnly',
      'HttpOnly is missing: scripts can read the session ID',
    )
    const sameSite = a.get('samesite')?.toLowerCase()
    if (sameSite === 'strict' || sameSite === 'lax') out.pass(`SameSite=${a.get('samesite')}`)
    else
      out.fail(
        `SameSite is ${sameSite === undefined ? 'missing (browser default)' : `"${a.get('samesite')}"`}: set Lax or Strict explicitly`,
      )
    if (a.get('path') === '/') out.pass('Path=/')
    else if (prefix === '__Host-')
      out.fail(
        `Path is ${a.get('path') ?? 'missing'}: __Host- cookies need Path=/, browsers drop this cookie`,
      )
    else out.note(`Path=${a.get('path') ?? '(default)'}`)
    if (a.has('domain'))
      out.warn(`Domain=${a.get('domain')}: every subdomain receives the session cookie`)
    else out.pass('no Domain (host-only)')
    const life = lifetimeMs(c)
    const absolute = ctx.target.policy.absoluteTimeoutMs
    if (life === null) out.pass('browser-session cookie (no Max-Age/Expires)')
    else if (absolute !== null && life > absolute + 1000)
      out.warn(
        `cookie lives ${Math.round(life / 1000)}s, longer than the absolute timeout (${absolute / 1000}s)`,
      )
    else out.pass(`cookie lifetime ${Math.round(life / 1000)}s`)
    out.expect(
      c.size <= 4096,
      `name + value ${c.size} bytes (≤ 4096)`,
      `name + value ${c.size} bytes: browsers drop cookies over 4096`,
    )
    for (const other of cookies) {
      if (!other || other.name === name) continue
      const missing = ['secure', 'httponly'].filter((k) => !other.attributes.has(k))
      if (missing.length > 0) out.note(`cookie ${other.name} lacks ${missing.join(', ')}`)
    }
  },
}

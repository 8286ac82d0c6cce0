import type { Check, Findings } from '../check.js'
import type { HttpResponse } from '../http.js'
import { signIn } from './support.js'

function csp(out: Findings, res: HttpResponse, where: string): string | null {
  const policy = res.headers.get('content-security-policy')
  if (!policy) {
    out.fail(`${where}: no Content-Security-Policy header`)
    return null
  }
  const script =
    /(?:^|;)\s*script-src\s+([^;]*)/.exec(policy)?.[1] ??
    /(?:^|;)\s*default-src\s+([^;]*)/.exec(policy)?.[1] ??
    ''
  const nonce = /'nonce-([^']+)'/.exec(script)?.[1] ?? null
  const strict = nonce !== null || /'sha(256|384|512)-/.test(script)
  if (strict)
    out.pass(
      `${where}: script-src uses ${nonce ? 'a nonce' : 'hashes'}${script.includes("'strict-dynamic'") ? " with 'strict-dynamic'" : ''}`,
    )
  else if (/'unsafe-inline'/.test(script) || script === '')
    out.fail(
      `${where}: script-src allows inline script without nonce or hash ("${script || 'none set'}")`,
    )
  else out.warn(`${where}: script-src is an allowlist ("${script}"), not nonces or hashes`)
  if (!/object-src\s+'none'/.test(policy)) out.warn(`${where}: no object-src 'none'`)
  if (!/base-uri\s+('none'|'self')/.test(policy)) out.warn(`${where}: no base-uri restriction`)
  return nonce
}

/** Check 14: headers on authenticated responses (CSP with nonces, HSTS on HTTPS, no-store). */
export const headers: Check = {
  id: 'headers',
  title: 'Headers on authenticated pages: CSP, HSTS, no-store',
  asvs: ['3.4.3', '3.4.1', '14.3.2'],
  top10_2021: ['A05:2021', 'A03:2021'],
  top10_2025: ['A02:2025', 'A05:2025'],
  async run(ctx, out) {
    const t = ctx.target
    const agent = await signIn(ctx, out)
    const api = await agent.send('GET', t.protected.path)
    const targets: [string, HttpResponse][] = [[t.protected.path, api]]
    if (t.page) {
      const first = await agent.send('GET', t.page)
      if (first.status !== 200)
        out.warn(`${t.page} answered ${first.status} (expected 200 for a signed-in user)`)
      targets.push([t.page, first])
      const nonce = csp(out, first, t.page)
      const second = await agent.send('GET', t.page)
      const again = /'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1]
      if (nonce)
        out.expect(
          again !== nonce,
          `${t.page}: a fresh nonce per response`,
          `${t.page}: the nonce repeats across responses (an injected script can reuse it)`,
        )
    } else out.note('no authenticated HTML page declared (target.page): CSP not checked')
    for (const [where, res] of targets) {
      const cache = res.headers.get('cache-control') ?? ''
      out.expect(
        /no-store/.test(cache),
        `${where}: Cache-Control: ${cache}`,
        `${where}: personal data without Cache-Control: no-store ("${cache}")`,
      )
    }
    if (t.baseUrl.startsWith('https:')) {
      const hsts = api.headers.get('strict-transport-security') ?? ''
      const age = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0)
      out.expect(
        age >= 31_536_000,
        `HSTS max-age=${age}`,
        `HSTS ${hsts ? `max-age=${age} (< 1 year)` : 'missing'} on HTTPS`,
      )
    } else out.note('plain-HTTP base URL: HSTS not applicable (audit the HTTPS deployment for it)')
  },
}

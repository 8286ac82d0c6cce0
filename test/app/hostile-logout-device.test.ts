import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { Browser } from '../helpers/browser.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

// Logout ends the session, not the browser's standing with the login throttle: it expires the
// session's cookies one by one and sends Clear-Site-Data without "cookies", so the device
// cookie survives and the user's next sign-in is still a known device's (its own budget).

const DEVICE = '__Host-tessera-device'
let running: RunningApp
beforeAll(async () => {
  running = await startApp(
    { TRUST_PROXY: '127.0.0.1' },
    { clock: manualClock(Date.now()), scryptCost: 16 },
  )
})
afterAll(() => running?.close())

/** What a browser does with the logout answer's Clear-Site-Data (Set-Cookie of that answer included). */
function honourClearSiteData(headers: Headers, clear: () => void): void {
  if (/"cookies"|"\*"/.test(headers.get('clear-site-data') ?? '')) clear()
}

const cleared = (headers: Headers) =>
  headers
    .getSetCookie()
    .filter((c) => /Max-Age=0/.test(c))
    .map((c) => c.slice(0, c.indexOf('=')))
    .sort()

const names = (cookie: string | null | undefined) =>
  (cookie ?? '')
    .split('; ')
    .filter(Boolean)
    .map((p) => p.slice(0, p.indexOf('=')))

async function spendAccount(username: string, ip: string) {
  const attacker = new ApiClient(running.url, { 'x-forwarded-for': ip })
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await attacker.login(username, 'wrong')).status)
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
}

describe('logout keeps the device cookie', () => {
  it('API: clears the session, bound and token cookies but not the device cookie', async () => {
    const c = new ApiClient(running.url, { 'x-forwarded-for': '192.0.2.10' })
    expect((await c.login('alice')).status).toBe(200)
    expect(names(c.cookie)).toContain(DEVICE)
    // Cookies other parts of the app set: the DBSC bound cookie, BFF tokens, the page's own.
    c.cookie = `${c.cookie}; __Host-dbsc=bound; __Host-tessera-at=t; theme=dark`
    const out = await c.request('POST', '/api/logout', {})
    expect(out.status).toBe(200)
    expect(out.headers.get('clear-site-data')).toBe('"cache", "storage"')
    expect(cleared(out.headers)).toEqual(
      expect.arrayContaining(['__Host-dbsc', '__Host-sid', '__Host-tessera-at', 'theme']),
    )
    expect(cleared(out.headers)).not.toContain(DEVICE)
    for (const set of out.headers.getSetCookie().filter((s) => s.startsWith('__Host-')))
      expect(set).toMatch(/; Path=\/;.*Secure/)
    honourClearSiteData(out.headers, () => {
      c.cookie = null
    })
    expect(names(c.cookie)).toEqual([DEVICE])
    expect((await c.request('GET', '/api/me')).status).toBe(401)

    // An attacker then spends alice's shared budget. Signing in again from a new address,
    // the browser is still a known device: its own budget, so it gets in.
    await spendAccount('alice', '198.51.100.7')
    const later = new ApiClient(running.url, { 'x-forwarded-for': '203.0.113.20' })
    later.cookie = c.cookie
    expect((await later.login('alice')).status).toBe(200)
    // Without the device cookie (what "cookies" used to wipe), the same sign-in is refused.
    const wiped = new ApiClient(running.url, { 'x-forwarded-for': '203.0.113.21' })
    expect((await wiped.login('alice')).status).toBe(429)
  })

  it('forms: /logout answers 303 with the device cookie kept and the session cookie cleared', async () => {
    const b = new Browser(running.url, { 'x-forwarded-for': '192.0.2.11' })
    expect((await b.logIn('bob')).answer.location).toBe('/account')
    expect(b.jar.has(DEVICE)).toBe(true)
    const csrf = Browser.csrfOf(await b.get('/account'))
    const out = await b.post('/logout', { csrf })
    expect([out.status, out.location]).toEqual([303, '/login?ok=logout'])
    expect(out.headers.get('clear-site-data')).toBe('"cache", "storage"')
    honourClearSiteData(out.headers, () => b.jar.clear())
    expect([...b.jar.keys()]).toEqual([DEVICE])

    await spendAccount('bob', '198.51.100.8')
    const again = new Browser(running.url, { 'x-forwarded-for': '203.0.113.30' })
    again.jar.set(DEVICE, b.jar.get(DEVICE)!)
    expect((await again.logIn('bob')).answer.location).toBe('/account')
  })

  it('still ends the session on the server and answers a logout without one the same way', async () => {
    const c = new ApiClient(running.url, { 'x-forwarded-for': '192.0.2.12' })
    expect((await c.login('admin')).status).toBe(200)
    const stolen = c.cookie
    await c.request('POST', '/api/logout', {})
    const replay = await fetch(`${running.url}/api/me`, { headers: { cookie: stolen! } })
    expect(replay.status).toBe(401)
    const again = await c.request('POST', '/api/logout', {})
    expect(again.status).toBe(200)
    expect(cleared(again.headers)).not.toContain(DEVICE)
  })
})

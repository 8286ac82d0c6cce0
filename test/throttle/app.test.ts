import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

// The reference app's login throttle, in-process on the memory store, behind a trusted proxy
// so each client can come from an address of its own (X-Forwarded-For).
let running: RunningApp | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

async function start(scryptCost: number | undefined = 1024) {
  const clock = manualClock(Date.now())
  running = await startApp({ TRUST_PROXY: '127.0.0.1' }, { clock, scryptCost })
  // Count the password checks that actually run (a refused try must not hash).
  const users = running.app.users
  const verify = users.verify.bind(users)
  const hashes = { count: 0 }
  users.verify = (u, p, priority) => {
    hashes.count++
    return verify(u, p, priority)
  }
  return { app: running, clock, hashes }
}

const from = (ip: string, extra: Record<string, string> = {}) =>
  new ApiClient(running!.url, { 'x-forwarded-for': ip, ...extra })

async function tokenLogin(ip: string, username: string, password: string) {
  const res = await fetch(`${running!.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() }
}

describe('login throttling in the reference app', () => {
  it('answers 429 with Retry-After after five wrong passwords, without hashing, until the backoff passes', async () => {
    const { clock, hashes } = await start()
    const attacker = from('198.51.100.7')
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await attacker.login('alice', 'wrong')).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect(hashes.count).toBe(5)
    const refused = await attacker.login('alice', 'wrong')
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.body).toMatchObject({ error: { code: 'ERR_TOO_MANY_REQUESTS' } })
    // The right password from that address is refused too: the budget is spent.
    expect((await attacker.login('alice')).status).toBe(429)
    clock.advance(1000)
    expect((await attacker.login('alice', 'wrong')).status).toBe(401)
    expect((await attacker.login('alice', 'wrong')).headers.get('retry-after')).toBe('2')
  })

  it("lets the victim's known device sign in while an attacker on another address exhausts the account", async () => {
    await start()
    const victim = from('192.0.2.10')
    expect((await victim.login('alice')).status).toBe(200)
    expect(victim.cookie).toMatch(/__Host-tessera-device=d1\./)
    const device = victim.setCookies.find((c) => c.startsWith('__Host-tessera-device='))!
    expect(device).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Strict$/)

    const attacker = from('198.51.100.7')
    for (let i = 0; i < 5; i++) expect((await attacker.login('alice', 'wrong')).status).toBe(401)
    expect((await attacker.login('alice', 'wrong')).status).toBe(429)
    // Another stranger (no device cookie, unknown address) is locked out with the attacker...
    expect((await from('203.0.113.50').login('alice')).status).toBe(429)
    // ...but the victim's browser, now on a new network, signs in with its device cookie.
    const travelling = from('203.0.113.99')
    travelling.cookie = device.split(';')[0]!
    expect((await travelling.login('alice')).status).toBe(200)
    // So does any browser at the address alice signed in from before.
    expect((await from('192.0.2.10').login('alice')).status).toBe(200)
    // And the attacker is still refused: the victim's success did not reset the shared budget.
    expect((await attacker.login('alice', 'wrong')).status).toBe(429)
  })

  it('applies the same budget to POST /api/token and the cookie login', async () => {
    await start()
    for (let i = 0; i < 5; i++)
      expect((await tokenLogin('198.51.100.8', 'bob', 'wrong')).status).toBe(401)
    const refused = await tokenLogin('198.51.100.8', 'bob', 'tessera-demo')
    expect(refused).toMatchObject({ status: 429, retryAfter: '1' })
    expect((await from('198.51.100.9').login('bob')).status).toBe(429)
    expect((await tokenLogin('192.0.2.44', 'alice', 'tessera-demo')).status).toBe(200)
  })

  it('throttles the password check of re-authentication like a sign-in (a stolen session cookie is no free oracle)', async () => {
    const { hashes } = await start()
    // The session is signed in at one address; the thief replays its cookie from another.
    const victim = from('192.0.2.20')
    expect((await victim.login('bob')).status).toBe(200)
    const thief = from('198.51.100.20')
    // Only the session cookie: the device cookie would be a budget of its own.
    thief.cookie = victim.cookie!.split('; ').find((c) => c.startsWith('__Host-sid='))!
    thief.csrf = victim.csrf
    hashes.count = 0
    const statuses: number[] = []
    for (let i = 0; i < 7; i++)
      statuses.push((await thief.request('POST', '/api/reauth', { password: 'wrong' })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect(hashes.count).toBe(5)
    // The victim's own device still re-authenticates: its budget is its own.
    expect((await victim.request('POST', '/api/reauth', { password: 'tessera-demo' })).status).toBe(
      200,
    )
  })

  it('re-renders the login form with 429 and Retry-After when the budget is spent', async () => {
    await start()
    const ip = '198.51.100.10'
    const attacker = from(ip)
    for (let i = 0; i < 5; i++) await attacker.login('bob', 'wrong')
    const page = await fetch(`${running!.url}/login`, { headers: { 'x-forwarded-for': ip } })
    const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0])
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ''
    const post = await fetch(`${running!.url}/login`, {
      method: 'POST',
      headers: {
        'x-forwarded-for': ip,
        'content-type': 'application/x-www-form-urlencoded',
        cookie: cookies.join('; '),
        accept: 'text/html',
      },
      body: new URLSearchParams({ username: 'bob', password: 'tessera-demo', csrf }).toString(),
      redirect: 'manual',
    })
    expect(post.status).toBe(429)
    expect(post.headers.get('retry-after')).toBe('1')
    expect(await post.text()).toContain('Too many sign-in attempts')
  })

  it('charges failed refresh exchanges to the address, never valid ones', async () => {
    await start()
    const ip = '198.51.100.11'
    const refresh = async (token: string) =>
      fetch(`${running!.url}/api/token/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ refresh_token: token }),
      })
    const pair = (await tokenLogin(ip, 'alice', 'tessera-demo')).body as { refresh_token: string }
    const junk = 'tsr1.AAAAAAAAAAAAAAAAAAAAAA.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const statuses = new Map<number, number>()
    for (let i = 0; i < 101; i++) {
      const s = (await refresh(junk)).status
      statuses.set(s, (statuses.get(s) ?? 0) + 1)
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 100, 429: 1 })
    const ok = await refresh(pair.refresh_token)
    expect(ok.status).toBe(200)
  })

  it('refuses excess password checks at once with 503 and Retry-After instead of queueing them', async () => {
    await start(undefined)
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => tokenLogin(`10.9.${i}.1`, `user${i}`, 'wrong')),
    )
    const busy = results.filter((r) => r.status === 503)
    expect(results.every((r) => r.status === 401 || r.status === 503)).toBe(true)
    expect(busy.length).toBeGreaterThan(0)
    expect(busy.every((r) => r.retryAfter === '1')).toBe(true)
    // A refused check gave its try back: that account still has all five.
    const i = results.findIndex((r) => r.status === 503)
    for (let n = 0; n < 5; n++)
      expect((await tokenLogin(`10.9.${i}.1`, `user${i}`, 'wrong')).status).toBe(401)
    expect((await tokenLogin(`10.9.${i}.1`, `user${i}`, 'wrong')).status).toBe(429)
  })
})

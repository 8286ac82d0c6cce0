import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { Browser } from '../helpers/browser.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

const clock = manualClock(Date.now())
let running: RunningApp
const events: SessionEvent[] = []
beforeAll(async () => {
  running = await startApp({}, { clock, scryptCost: 16 })
  running.app.sessions.on((e) => events.push(e))
})
afterAll(async () => {
  await running?.close()
})

async function tokenLogin(username: string): Promise<{ access: string; refresh: string }> {
  const res = await fetch(`${running.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'tessera-demo' }),
  })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { access_token: string; refresh_token: string }
  return { access: body.access_token, refresh: body.refresh_token }
}

async function refreshed(refresh: string): Promise<string> {
  const res = await fetch(`${running.url}/api/token/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: refresh }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

/** A JSON request with a bearer token and, optionally, a cookie and its CSRF token. */
async function asBearer(
  method: string,
  path: string,
  access: string,
  body: unknown,
  cookie?: { cookie: string; csrf: string | null },
): Promise<{ status: number; body: unknown; setCookie: string[] }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${access}`,
    'content-type': 'application/json',
  }
  if (cookie) {
    headers.cookie = cookie.cookie
    if (cookie.csrf) headers['x-csrf-token'] = cookie.csrf
  }
  const res = await fetch(running.url + path, { method, headers, body: JSON.stringify(body) })
  const text = await res.text()
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    setCookie: res.headers.getSetCookie(),
  }
}

describe('re-authentication freshness is bound to the user', () => {
  it("does not let one user's access token pass a step-up check on another user's fresh re-auth", async () => {
    const alice = await tokenLogin('alice')
    // Alice's token login is no longer fresh; her access token is renewed as usual.
    clock.advance(11 * 60_000)
    const aliceAccess = await refreshed(alice.refresh)
    // Bob re-authenticates with his own token (fresh for bob, and only for bob).
    const bob = await tokenLogin('bob')
    const re = await asBearer('POST', '/api/reauth', bob.access, { password: 'tessera-demo' })
    expect(re.status).toBe(200)
    // Whatever cookie that left behind rides along with alice's token.
    const pair = re.setCookie.find((c) => c.startsWith('__Host-sid=') && !/Max-Age=0/.test(c))
    let cookie: { cookie: string; csrf: string | null } | undefined
    if (pair) {
      const jar = new ApiClient(running.url)
      jar.cookie = pair.split(';')[0]!
      await jar.request('GET', '/api/csrf')
      cookie = { cookie: jar.cookie!, csrf: jar.csrf }
    }
    const step = await asBearer('POST', '/api/sessions/revoke-others', aliceAccess, {}, cookie)
    expect(step.status).toBe(401)
    expect(step.body).toMatchObject({ error: { code: 'ERR_REAUTH_REQUIRED' } })
  })

  it('lets a bearer client re-authenticate its own token session', async () => {
    const alice = await tokenLogin('alice')
    clock.advance(11 * 60_000)
    const access = await refreshed(alice.refresh)
    expect((await asBearer('POST', '/api/sessions/revoke-others', access, {})).status).toBe(401)
    const re = await asBearer('POST', '/api/reauth', access, { password: 'tessera-demo' })
    expect(re.status).toBe(200)
    // No cookie session is made up for a bearer client.
    expect(re.setCookie.filter((c) => c.startsWith('__Host-sid=') && !/Max-Age=0/.test(c))).toEqual(
      [],
    )
    const step = await asBearer('POST', '/api/sessions/revoke-others', access, {})
    expect(step.status).toBe(200)
    // Its own token session survived "end my other sessions".
    expect((await asBearer('GET', '/api/me', access, undefined)).status).toBe(200)
  })
})

describe('admin revocations', () => {
  it('record the acting admin: user id, IP and User-Agent (API and form)', async () => {
    const admin = new ApiClient(running.url, { 'user-agent': 'AdminAgent/1.0' })
    expect((await admin.login('admin')).status).toBe(200)
    const victim = new ApiClient(running.url)
    await victim.login('bob')
    const res = await admin.request('POST', '/api/admin/users/u2/revoke-sessions', {})
    expect(res.status).toBe(200)
    expect((await victim.request('GET', '/api/me')).status).toBe(401)
    const order = {
      type: 'session_revoked',
      userId: 'u2',
      reason: 'admin:u3',
      ip: '127.0.0.1',
      userAgent: 'AdminAgent/1.0',
    }
    expect(events).toContainEqual(expect.objectContaining(order))
    const audit = running.app.monitoring!.audit!
    await audit.flush()
    const logged = await audit.query({ userId: 'u2', type: 'session_revoked', limit: 50 })
    expect(logged).toContainEqual(expect.objectContaining(order))

    const page = new Browser(running.url, { 'user-agent': 'AdminForm/2.0' })
    expect((await page.logIn('admin')).answer.location).toBe('/account')
    const csrf = Browser.csrfOf(await page.get('/admin'))
    const form = await page.post('/admin/users/u1/revoke-sessions', { csrf })
    expect(form.status).toBe(303)
    expect(events).toContainEqual(
      expect.objectContaining({ userId: 'u1', reason: 'admin:u3', userAgent: 'AdminForm/2.0' }),
    )
  })
})

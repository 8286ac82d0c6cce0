import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { generateToken } from '../../src/core/token.js'
import { Browser } from '../helpers/browser.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

const clock = manualClock(Date.now())
let running: RunningApp
const events: SessionEvent[] = []
beforeAll(async () => {
  running = await startApp({ SESSION_IDLE_TIMEOUT: '5m' }, { clock, scryptCost: 16 })
  running.app.sessions.on((e) => events.push(e))
})
afterAll(async () => {
  await running?.close()
})

const CLEARING = /^__Host-sid=; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=0/

function expectSignedOut(headers: Headers): void {
  expect(headers.getSetCookie().some((c) => CLEARING.test(c))).toBe(true)
  expect(headers.get('clear-site-data')).toBe('"cache", "storage"')
  expect(headers.get('cache-control')).toBe('no-store')
}

const csrfAlerts = () => events.filter((e) => e.type === 'malicious_csrf')

describe('logging out without a live session', () => {
  it('answers the API with 200, the clearing cookie and Clear-Site-Data after an idle timeout', async () => {
    const c = new ApiClient(running.url)
    expect((await c.login('alice')).status).toBe(200)
    clock.advance(6 * 60_000)
    const before = csrfAlerts().length
    const out = await c.request('POST', '/api/logout', {})
    expect(out.status).toBe(200)
    expect(out.body).toEqual({ ok: true })
    expectSignedOut(out.headers)
    expect(csrfAlerts()).toHaveLength(before)
  })

  it('answers the API with 200 for an unknown cookie and for no cookie at all', async () => {
    for (const cookie of [`__Host-sid=${generateToken()}`, undefined]) {
      const res = await fetch(`${running.url}/api/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: '{}',
      })
      expect(res.status).toBe(200)
      expectSignedOut(res.headers)
    }
  })

  it('answers the logout form with 303 to the login page after an idle timeout', async () => {
    const b = new Browser(running.url)
    expect((await b.logIn('bob')).answer.location).toBe('/account')
    const csrf = Browser.csrfOf(await b.get('/account'))
    clock.advance(6 * 60_000)
    const before = csrfAlerts().length
    const out = await b.post('/logout', { csrf })
    expect([out.status, out.location]).toEqual([303, '/login?ok=logout'])
    expectSignedOut(out.headers)
    expect(b.jar.has('__Host-sid')).toBe(false)
    expect(csrfAlerts()).toHaveLength(before)
  })

  it('still refuses a cross-site logout post', async () => {
    const res = await fetch(`${running.url}/logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
        cookie: `__Host-sid=${generateToken()}`,
      },
      body: '',
    })
    expect(res.status).toBe(403)
  })
})

describe('logging out a live session', () => {
  it('still needs the CSRF token, on the API and on the form', async () => {
    const c = new ApiClient(running.url)
    await c.login('alice')
    const forged = await fetch(`${running.url}/api/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: c.cookie! },
      body: '{}',
    })
    expect(forged.status).toBe(403)
    const form = await fetch(`${running.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie! },
      body: 'csrf=nope',
    })
    expect(form.status).toBe(403)
    expect((await c.request('GET', '/api/me')).status).toBe(200)
    const live = c.cookie!
    const out = await c.request('POST', '/api/logout', {})
    expect(out.status).toBe(200)
    expectSignedOut(out.headers)
    const replay = await fetch(`${running.url}/api/me`, { headers: { cookie: live } })
    expect(replay.status).toBe(401)
  })
})

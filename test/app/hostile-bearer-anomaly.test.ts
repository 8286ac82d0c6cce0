import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../src/core/events.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const CURL = 'curl/8.5.0'

let running: RunningApp
const events: SessionEvent[] = []
beforeAll(async () => {
  // The test sets client addresses through X-Forwarded-For from this trusted loopback proxy.
  running = await startApp({ TRUST_PROXY: '127.0.0.1' }, { scryptCost: 16 })
  running.app.sessions.on((e) => events.push(e))
})
afterAll(async () => {
  await running?.close()
})

const anomalies = (reason: string) =>
  events.filter((e) => e.type === 'session_anomaly' && e.reason === reason)

async function tokenLogin(username: string, ua: string, ip: string): Promise<string> {
  const res = await fetch(`${running.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': ua, 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password: 'tessera-demo' }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

async function me(access: string, ua: string, ip: string): Promise<number> {
  const res = await fetch(`${running.url}/api/me`, {
    headers: { authorization: `Bearer ${access}`, 'user-agent': ua, 'x-forwarded-for': ip },
  })
  await res.arrayBuffer()
  return res.status
}

describe('anomaly rules for token logins and bearer requests', () => {
  it('reports a token login from a device new for the user', async () => {
    const browser = new ApiClient(running.url, {
      'user-agent': FIREFOX,
      'x-forwarded-for': '198.51.100.1',
    })
    expect((await browser.login('alice')).status).toBe(200)
    await tokenLogin('alice', CURL, '198.51.100.1')
    await expect
      .poll(() => anomalies('new_device'))
      .toMatchObject([{ level: 'info', userId: 'u1', userAgent: CURL }])
  })

  it('ends the token session when a bearer request comes from another browser family', async () => {
    const access = await tokenLogin('bob', CURL, '198.51.100.2')
    expect(await me(access, CURL, '198.51.100.2')).toBe(200)
    expect(await me(access, FIREFOX, '198.51.100.2')).toBe(401)
    expect(anomalies('ua_change')).toMatchObject([{ level: 'critical', userId: 'u2' }])
    // The stolen token is dead for its original client too.
    expect(await me(access, CURL, '198.51.100.2')).toBe(401)
  })

  it('reports a bearer request from a new address once, and keeps serving it (default)', async () => {
    const access = await tokenLogin('admin', CURL, '198.51.100.3')
    const before = anomalies('ip_change').length
    expect(await me(access, CURL, '203.0.113.9')).toBe(200)
    expect(await me(access, CURL, '203.0.113.9')).toBe(200)
    expect(anomalies('ip_change').slice(before)).toMatchObject([
      { level: 'warn', userId: 'u3', ip: '203.0.113.9' },
    ])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

let running: RunningApp
beforeAll(async () => {
  running = await startApp()
})
afterAll(async () => {
  await running.close()
})

describe('the reference app JSON API', () => {
  it('answers /healthz while the store is up', async () => {
    const res = await fetch(`${running.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })

  it('logs in with a new __Host- session cookie, serves /api/me, and logs out for real', async () => {
    const c = new ApiClient(running.url)
    const pre = c.cookie
    const login = await c.login('alice')
    expect(login.status).toBe(200)
    expect(login.body).toMatchObject({ user: { id: 'u1', username: 'alice', role: 'user' } })
    // The login also sets the throttle's device cookie; find the session cookie by name.
    const set = login.headers.getSetCookie().find((c) => c.startsWith('__Host-sid=')) ?? ''
    expect(set).toMatch(/^__Host-sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    expect(c.cookie).not.toBe(pre)
    const me = await c.request('GET', '/api/me')
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({
      user: { username: 'alice' },
      session: { handle: expect.any(String) },
    })
    expect(me.headers.get('set-cookie')).toBeNull()
    const stolen = c.cookie!
    const out = await c.request('POST', '/api/logout', {})
    expect(out.status).toBe(200)
    // Not "cookies": the device cookie outlives the session (app/logout.ts).
    expect(out.headers.get('clear-site-data')).toBe('"cache", "storage"')
    expect(out.headers.get('cache-control')).toBe('no-store')
    expect(out.headers.getSetCookie().find((c) => c.startsWith('__Host-sid='))).toMatch(
      /^__Host-sid=; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=0/,
    )
    const replay = await fetch(`${running.url}/api/me`, { headers: { cookie: stolen } })
    expect(replay.status).toBe(401)
  })

  it('refuses bad credentials with a generic 401', async () => {
    const c = new ApiClient(running.url)
    const a = await c.login('alice', 'wrong')
    const b = await c.login('nobody', 'wrong')
    expect(a.status).toBe(401)
    expect(b.body).toEqual(a.body)
  })

  it('moves money and rejects bad transfers with 4xx', async () => {
    const c = new ApiClient(running.url)
    await c.login('bob')
    const ok = await c.request('POST', '/api/transfer', { to: 'alice', amount: 10.5 })
    expect(ok).toMatchObject({ status: 200, body: { ok: true, balance: 989.5 } })
    for (const bad of [
      { to: 'alice', amount: -1 },
      { to: 'alice', amount: 1e9 },
      { to: 'bob', amount: 1 },
      { to: 'zed', amount: 1 },
      { to: 'alice', amount: 0.001 },
      { to: 'alice', amount: 'x' },
    ]) {
      expect((await c.request('POST', '/api/transfer', bad)).status).toBe(400)
    }
  })

  it('needs a fresh authentication to revoke other sessions, and re-auth rotates the session', async () => {
    const c = new ApiClient(running.url)
    await c.login('alice')
    const before = c.cookie
    const re = await c.request('POST', '/api/reauth', { password: 'tessera-demo' })
    expect(re.status).toBe(200)
    expect(c.cookie).not.toBe(before)
    expect((await fetch(`${running.url}/api/me`, { headers: { cookie: before! } })).status).toBe(
      401,
    )
    expect((await c.request('POST', '/api/sessions/revoke-others', {})).status).toBe(200)
  })

  it('lists your sessions and revokes one of yours, but never someone else’s', async () => {
    const a1 = new ApiClient(running.url, { 'user-agent': 'agent-one' })
    const a2 = new ApiClient(running.url, { 'user-agent': 'agent-two' })
    const b = new ApiClient(running.url)
    await a1.login('alice')
    await a2.login('alice')
    await b.login('bob')
    const list = (await a1.request('GET', '/api/sessions')).body as {
      sessions: Array<{ handle: string; current: boolean; userAgent: string }>
    }
    const mine = list.sessions.find((s) => s.current)!
    const other = list.sessions.find((s) => s.userAgent === 'agent-two')!
    expect(mine.userAgent).toBe('agent-one')
    const bobs = (
      (await b.request('GET', '/api/sessions')).body as { sessions: Array<{ handle: string }> }
    ).sessions[0]!
    expect((await a1.request('DELETE', `/api/sessions/${bobs.handle}`)).status).toBe(404)
    expect((await b.request('GET', '/api/me')).status).toBe(200)
    expect((await a1.request('DELETE', `/api/sessions/${other.handle}`)).status).toBe(200)
    expect((await a2.request('GET', '/api/me')).status).toBe(401)
  })

  it('lets an admin end every session of a user, and nobody else', async () => {
    const victim = new ApiClient(running.url)
    const admin = new ApiClient(running.url)
    await victim.login('bob')
    await admin.login('admin')
    expect((await victim.request('POST', '/api/admin/users/u2/revoke-sessions', {})).status).toBe(
      403,
    )
    expect((await admin.request('POST', '/api/admin/users/u2/revoke-sessions', {})).status).toBe(
      200,
    )
    expect((await victim.request('GET', '/api/me')).status).toBe(401)
  })
})

describe('bad input gets a clear 4xx, never a 5xx', () => {
  it('answers wrong content types, malformed JSON and oversized bodies with 4xx', async () => {
    const c = new ApiClient(running.url)
    await c.login('alice')
    const post = (body: string, type: string) =>
      fetch(`${running.url}/api/transfer`, {
        method: 'POST',
        headers: { cookie: c.cookie!, 'content-type': type, 'x-csrf-token': c.csrf ?? '' },
        body,
      })
    expect((await post('{"to":"bob","amount":1}', 'text/plain')).status).toBe(415)
    expect((await post('{"to":', 'application/json')).status).toBe(400)
    expect((await post('[1]', 'application/json')).status).toBe(400)
    expect((await post(`{"x":"${'a'.repeat(20_000)}"}`, 'application/json')).status).toBe(413)
  })

  it('treats garbage, duplicate and oversized cookies as no session', async () => {
    const c = new ApiClient(running.url)
    await c.login('alice')
    for (const cookie of [
      '__Host-sid=%00%01',
      `${c.cookie}; ${c.cookie}`,
      `__Host-sid=${'A'.repeat(4000)}`,
      '__Host-sid="unterminated',
      '\u0000\u0001',
    ]) {
      const res = await fetch(`${running.url}/api/me`, { headers: { cookie } }).catch(() => null)
      // fetch itself refuses to send control characters; every other cookie must reach the app.
      if (res) expect(res.status).toBe(401)
      else expect(cookie).toBe('\u0000\u0001')
    }
    const huge = await fetch(`${running.url}/api/me`, {
      headers: { cookie: `x=${'a'.repeat(20_000)}` },
    })
    expect(huge.status).toBe(431)
  })

  it('answers unknown paths with 404 and wrong methods with 405, as JSON', async () => {
    expect((await fetch(`${running.url}/nope`)).status).toBe(404)
    // An unsafe method passes the CSRF layer first (it runs before routing), so send a token.
    const c = new ApiClient(running.url)
    await c.login('alice')
    const res = await fetch(`${running.url}/api/me`, {
      method: 'PUT',
      headers: { cookie: c.cookie!, 'x-csrf-token': c.csrf! },
    })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET')
  })
})

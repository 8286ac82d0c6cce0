import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { parseSessionHandle } from '../../src/core/handle.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

// The reference app's token mode over HTTP: POST /api/token, refresh, revoke, JWKS, Bearer on
// the API, BFF cookies, and the session features (list, password change, admin revoke).

const clock = manualClock(Date.now())
let running: RunningApp
beforeAll(async () => {
  running = await startApp({}, { clock })
})
afterAll(async () => {
  await running.close()
})

interface Pair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(running.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  }
}
async function signIn(username = 'alice', password = 'tessera-demo'): Promise<Pair> {
  const r = await post('/api/token', { username, password })
  expect(r.status).toBe(200)
  return r.body as unknown as Pair
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const me = (headers: Record<string, string>) => fetch(`${running.url}/api/me`, { headers })

describe('token mode in the reference app', () => {
  it('issues a Bearer pair for a password sign-in, uncached, and refuses bad credentials generically', async () => {
    const res = await post('/api/token', { username: 'alice', password: 'tessera-demo' })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'token_type',
    ])
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 })
    expect(res.headers.get('cache-control')).toBe('no-store')
    const bad = await post('/api/token', { username: 'alice', password: 'nope' })
    const unknown = await post('/api/token', { username: 'zed', password: 'nope' })
    expect(bad.status).toBe(401)
    expect(unknown.body).toEqual(bad.body)
    const notJson = await fetch(`${running.url}/api/token`, {
      method: 'POST',
      body: 'username=alice',
    })
    expect(notJson.status).toBe(415)
  })

  it('serves /api/me and a transfer to a Bearer token, without any CSRF token', async () => {
    const pair = await signIn('bob')
    const r = await me(bearer(pair.access_token))
    expect(r.status).toBe(200)
    const body = (await r.json()) as { user: { username: string }; session: { handle: string } }
    expect(body.user.username).toBe('bob')
    const claims = JSON.parse(Buffer.from(pair.access_token.split('.')[1]!, 'base64url').toString())
    expect(body.session.handle).toBe(claims.sid)
    const t = await post('/api/transfer', { to: 'alice', amount: 1 }, bearer(pair.access_token))
    expect(t.status).toBe(200)
  })

  it('still demands the CSRF token when a session cookie rides along with a Bearer token', async () => {
    const pair = await signIn('bob')
    const c = new ApiClient(running.url)
    await c.login('bob')
    const r = await fetch(`${running.url}/api/transfer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: c.cookie!,
        ...bearer(pair.access_token),
      },
      body: JSON.stringify({ to: 'alice', amount: 1 }),
    })
    expect(r.status).toBe(403)
  })

  it('answers 401 with WWW-Authenticate for a forged, expired or refresh token, never a 5xx', async () => {
    const pair = await signIn()
    const [h, p, s] = pair.access_token.split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'u3' })).toString('base64url')}.${s}`
    for (const t of [forged, `${h}.${p}.`, pair.refresh_token, 'x'.repeat(5000), 'a.b.c']) {
      const r = await me(bearer(t))
      expect(r.status).toBe(401)
      expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      expect(await r.text()).not.toContain(t)
    }
    expect((await me({ authorization: 'Bearer ' })).status).toBe(401)
    clock.advance(306_000)
    expect((await me(bearer(pair.access_token))).status).toBe(401)
  })

  it('rotates on refresh and ends the whole family when a spent refresh token comes back', async () => {
    const first = await signIn()
    const second = (await post('/api/token/refresh', { refresh_token: first.refresh_token }))
      .body as unknown as Pair
    expect(second.refresh_token).not.toBe(first.refresh_token)
    const concurrent = await post('/api/token/refresh', { refresh_token: first.refresh_token })
    expect(concurrent.body.refresh_token).toBe(second.refresh_token)
    clock.advance(11_000)
    const reuse = await post('/api/token/refresh', { refresh_token: first.refresh_token })
    expect(reuse).toMatchObject({ status: 401, body: { error: { code: 'ERR_TOKEN_REUSED' } } })
    expect((await me(bearer(second.access_token))).status).toBe(401)
    expect((await post('/api/token/refresh', { refresh_token: second.refresh_token })).status).toBe(
      401,
    )
  })

  it('ends the token session on POST /api/logout with a Bearer token', async () => {
    const pair = await signIn()
    expect((await post('/api/logout', {}, bearer(pair.access_token))).status).toBe(200)
    expect((await me(bearer(pair.access_token))).status).toBe(401)
    expect((await post('/api/token/refresh', { refresh_token: pair.refresh_token })).status).toBe(
      401,
    )
  })

  it('revokes a family with POST /api/token/revoke and answers 200 for unknown tokens', async () => {
    const pair = await signIn()
    expect((await post('/api/token/revoke', { refresh_token: pair.refresh_token })).status).toBe(
      200,
    )
    expect((await me(bearer(pair.access_token))).status).toBe(401)
    expect((await post('/api/token/revoke', { token: 'nonsense' })).status).toBe(200)
    expect((await post('/api/token/revoke', { token: 5 })).status).toBe(400)
  })

  it('publishes only public keys at /.well-known/jwks.json', async () => {
    const pair = await signIn()
    const res = await fetch(`${running.url}/.well-known/jwks.json`)
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> }
    const header = JSON.parse(Buffer.from(pair.access_token.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) })
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid)
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d')
  })

  it('lists token sessions with the cookie sessions, and a password change ends them', async () => {
    const pair = await signIn('alice')
    const c = new ApiClient(running.url)
    await c.login('alice')
    const list = (await c.request('GET', '/api/sessions')).body as {
      sessions: Array<{ kind: string }>
    }
    expect(list.sessions.some((s) => s.kind === 'token')).toBe(true)
    const changed = await c.request('POST', '/api/password', {
      currentPassword: 'tessera-demo',
      newPassword: 'tessera-demo',
    })
    expect(changed.status).toBe(200)
    expect((await me(bearer(pair.access_token))).status).toBe(401)
    expect((await post('/api/token/refresh', { refresh_token: pair.refresh_token })).status).toBe(
      401,
    )
  })

  it("ends a user's tokens when an admin revokes their sessions, and refuses a disabled user", async () => {
    const pair = await signIn('bob')
    const admin = new ApiClient(running.url)
    await admin.login('admin')
    expect((await admin.request('POST', '/api/admin/users/u2/revoke-sessions', {})).status).toBe(
      200,
    )
    expect((await me(bearer(pair.access_token))).status).toBe(401)
    const again = await signIn('bob')
    const bob = running.app.users.byId('u2')!
    bob.disabled = true
    try {
      expect((await me(bearer(again.access_token))).status).toBe(401)
      expect(
        (await post('/api/token/refresh', { refresh_token: again.refresh_token })).status,
      ).toBe(401)
    } finally {
      bob.disabled = false
    }
  })

  it('carries the tokens in __Host- HttpOnly cookies in BFF mode', async () => {
    const res = await post('/api/token', { username: 'alice', password: 'tessera-demo', bff: true })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ token_type: 'Bearer', expires_in: 300 })
    const cookies = res.headers.getSetCookie()
    expect(cookies[0]).toMatch(
      /^__Host-tessera-at=[\w.-]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=300$/,
    )
    expect(cookies[1]).toMatch(
      /^__Host-tessera-rt=tsr1\.[\w.-]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/,
    )
    const jar = cookies.map((c) => c.split(';')[0]).join('; ')
    expect((await me({ cookie: jar })).status).toBe(200)
    // An ambient cookie gets no bearer CSRF exemption: a cross-site POST is refused.
    const forged = await post(
      '/api/transfer',
      { to: 'bob', amount: 1 },
      { cookie: jar, origin: 'https://evil.example' },
    )
    expect(forged.status).toBe(403)
    const refreshed = await post('/api/token/refresh', {}, { cookie: jar })
    expect(refreshed.status).toBe(200)
    expect(refreshed.body).not.toHaveProperty('refresh_token')
    const jar2 = refreshed.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const out = await post('/api/token/revoke', {}, { cookie: jar2 })
    expect(out.headers.getSetCookie()).toEqual([
      '__Host-tessera-at=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0',
      '__Host-tessera-rt=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0',
    ])
    expect((await me({ cookie: jar2 })).status).toBe(401)
  })
})

describe('the reference app with TOKEN_REVOCATION=stateless+denylist', () => {
  let stateless: RunningApp
  beforeAll(async () => {
    process.env.TOKEN_REVOCATION = 'stateless+denylist'
    try {
      stateless = await startApp({}, { clock: manualClock(Date.now()) })
    } finally {
      delete process.env.TOKEN_REVOCATION
    }
  })
  afterAll(async () => {
    await stateless.close()
  })

  it('serves /api/me from the claims and still refuses a revoked session at once', async () => {
    const res = await fetch(`${stateless.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    })
    const pair = (await res.json()) as Pair
    const ok = await fetch(`${stateless.url}/api/me`, { headers: bearer(pair.access_token) })
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { session: { handle: string } }
    const handle = parseSessionHandle(body.session.handle)!
    await stateless.app.sessions.admin.revoke(handle, { actor: { userId: 'test-admin' } })
    const after = await fetch(`${stateless.url}/api/me`, { headers: bearer(pair.access_token) })
    expect(after.status).toBe(401)
  })
})

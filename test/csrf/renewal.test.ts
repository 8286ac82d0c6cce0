import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { type RunningApp, startApp } from '../helpers/client.js'
import { rawRequest } from '../helpers/raw-http.js'

// Periodic renewal rotates the session token, and with it the CSRF secret. The token handed out
// in the very response that carries the renewed cookie must belong to the new cookie.

const clock = manualClock(Date.now())
let running: RunningApp
let port: number

async function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; setCookie: string | undefined; body: string }> {
  const r = await rawRequest(port, method, path, headers, body)
  return {
    status: r.status,
    // Skipping the throttle's device cookie, which a login also sets.
    setCookie: r.headers['set-cookie']
      ?.find((c) => !c.startsWith('__Host-tessera-device='))
      ?.split(';')[0],
    body: r.body,
  }
}

async function signIn(): Promise<{ cookie: string; token: string }> {
  const pre = await send('GET', '/api/csrf')
  const login = await send(
    'POST',
    '/api/login',
    {
      cookie: pre.setCookie!,
      'x-csrf-token': (JSON.parse(pre.body) as { csrfToken: string }).csrfToken,
      'content-type': 'application/json',
    },
    JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
  )
  expect(login.status).toBe(200)
  return {
    cookie: login.setCookie!,
    token: (JSON.parse(login.body) as { csrfToken: string }).csrfToken,
  }
}

function transfer(cookie: string, token: string) {
  return send(
    'POST',
    '/api/transfer',
    { cookie, 'x-csrf-token': token, 'content-type': 'application/json' },
    JSON.stringify({ to: 'bob', amount: 1 }),
  )
}

// The link travels in the record's metadata: check a JSON-column store as well as memory.
describe.each(['memory:', 'sqlite:'])('CSRF tokens across periodic renewal (%s)', (store) => {
  beforeAll(async () => {
    running = await startApp({ SESSION_RENEWAL_INTERVAL: '5m', STORE_URL: store }, { clock })
    port = (running.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await running.close()
  })

  it('keep working when a POST itself triggers the renewal, and after it with the new cookie', async () => {
    const alice = await signIn()
    clock.advance(6 * 60_000)
    const renewing = await transfer(alice.cookie, alice.token)
    expect(renewing.status).toBe(200)
    expect(renewing.setCookie).toBeDefined()
    expect(renewing.setCookie).not.toBe(alice.cookie)
    // A form rendered before the renewal still posts fine with the renewed cookie.
    expect((await transfer(renewing.setCookie!, alice.token)).status).toBe(200)
    // …and across a second renewal.
    clock.advance(6 * 60_000)
    const again = await send('GET', '/api/me', { cookie: renewing.setCookie! })
    expect(again.setCookie).toBeDefined()
    expect((await transfer(again.setCookie!, alice.token)).status).toBe(200)
  })

  it('die with a regeneration (re-authentication) even after renewals', async () => {
    const alice = await signIn()
    clock.advance(6 * 60_000)
    const renewed = await send('GET', '/api/me', { cookie: alice.cookie })
    const reauth = await send(
      'POST',
      '/api/reauth',
      {
        cookie: renewed.setCookie!,
        'x-csrf-token': alice.token,
        'content-type': 'application/json',
      },
      JSON.stringify({ password: 'tessera-demo' }),
    )
    expect(reauth.status).toBe(200)
    const fresh = (JSON.parse(reauth.body) as { csrfToken: string }).csrfToken
    expect((await transfer(reauth.setCookie!, alice.token)).status).toBe(403)
    expect((await transfer(reauth.setCookie!, fresh)).status).toBe(200)
  })

  it('issues, in the renewing response, a token that works with the renewed cookie', async () => {
    const pre = await send('GET', '/api/csrf')
    const login = await send(
      'POST',
      '/api/login',
      {
        cookie: pre.setCookie!,
        'x-csrf-token': (JSON.parse(pre.body) as { csrfToken: string }).csrfToken,
        'content-type': 'application/json',
      },
      JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    )
    expect(login.status).toBe(200)
    clock.advance(6 * 60_000)
    const renewed = await send('GET', '/api/csrf', { cookie: login.setCookie! })
    expect(renewed.setCookie).toBeDefined()
    expect(renewed.setCookie).not.toBe(login.setCookie)
    const token = (JSON.parse(renewed.body) as { csrfToken: string }).csrfToken
    const post = await send(
      'POST',
      '/api/transfer',
      { cookie: renewed.setCookie!, 'x-csrf-token': token, 'content-type': 'application/json' },
      JSON.stringify({ to: 'bob', amount: 1 }),
    )
    expect(post.status).toBe(200)
  })
})

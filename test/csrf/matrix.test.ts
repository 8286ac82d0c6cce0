import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../src/core/events.js'
import { type RunningApp, startApp } from '../helpers/client.js'
import { type RawReply, rawRequest } from '../helpers/raw-http.js'

// The CSRF matrix of issue 5, through the node adapter of the reference app on a real loopback
// server. Origins are configured explicitly; the requests set Origin/Referer/Sec-Fetch-Site by
// hand, as a browser (or an attacker's page in one) would.

const ORIGIN = 'https://bank.example'
let running: RunningApp
let port: number
let events: SessionEvent[] = []

type Reply = RawReply

/** One raw HTTP request: exactly the headers given, nothing added by a client library. */
const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  rawRequest(port, method, path, headers, body)

/** The session cookie a response set, else the pre-login nonce cookie (other cookies skipped). */
function cookieOf(r: Reply): string | undefined {
  const all = ([] as string[]).concat(r.headers['set-cookie'] ?? [])
  const set =
    all.find((c) => c.startsWith('__Host-sid=')) ??
    all.find((c) => c.startsWith('__Host-sid-csrf='))
  return set?.split(';')[0]
}

/** A browser-like user agent: a pre-session, a token, then a login. */
async function signIn(username: string): Promise<{ cookie: string; token: string }> {
  const pre = await send('GET', '/api/csrf')
  const preCookie = cookieOf(pre)!
  const preToken = (JSON.parse(pre.body) as { csrfToken: string }).csrfToken
  const login = await send(
    'POST',
    '/api/login',
    { cookie: preCookie, 'x-csrf-token': preToken, 'content-type': 'application/json' },
    JSON.stringify({ username, password: 'tessera-demo' }),
  )
  expect(login.status).toBe(200)
  return {
    cookie: cookieOf(login)!,
    token: (JSON.parse(login.body) as { csrfToken: string }).csrfToken,
  }
}

async function balance(cookie: string): Promise<number> {
  const me = await send('GET', '/api/me', { cookie })
  return (JSON.parse(me.body) as { user: { balance: number } }).user.balance
}

function transfer(headers: Record<string, string>, path = '/api/transfer'): Promise<Reply> {
  return send(
    'POST',
    path,
    { 'content-type': 'application/json', ...headers },
    JSON.stringify({ to: 'bob', amount: 1 }),
  )
}

const csrfEvents = () => events.filter((e) => e.type === 'malicious_csrf')

beforeAll(async () => {
  running = await startApp({ ORIGIN })
  port = (running.server.address() as AddressInfo).port
  running.app.sessions.on((e) => events.push(e))
})
afterAll(async () => {
  await running.close()
})
beforeEach(() => {
  events = []
})

describe('a cookie-authenticated unsafe request without a valid token', () => {
  let alice: { cookie: string; token: string }
  let before: number
  beforeEach(async () => {
    alice = await signIn('alice')
    before = await balance(alice.cookie)
    events = []
  })

  /** Expects a 403 ERR_CSRF, one critical event with `reason`, and an untouched balance. */
  async function expectRefused(reply: Reply, reason: string): Promise<void> {
    expect(reply.status).toBe(403)
    // The app runs outside production here, so the body names the reason (src/csrf/explain.ts).
    expect(JSON.parse(reply.body)).toEqual({
      error: { code: 'ERR_CSRF', message: 'request refused', reason, detail: expect.any(String) },
    })
    expect(await balance(alice.cookie)).toBe(before)
    expect(csrfEvents()).toEqual([
      expect.objectContaining({ level: 'critical', reason, userId: 'u1' }),
    ])
    expect(JSON.stringify(events)).not.toContain(alice.token)
    expect(JSON.stringify(events)).not.toContain(alice.cookie.split('=')[1])
  }

  it('is refused when the token is missing', async () => {
    await expectRefused(await transfer({ cookie: alice.cookie }), 'token_missing')
  })

  it('is refused when the token header is empty', async () => {
    await expectRefused(
      await transfer({ cookie: alice.cookie, 'x-csrf-token': '' }),
      'token_missing',
    )
  })

  it('is refused when one character of the token is altered', async () => {
    const t = alice.token
    const first = (t[0] === 'A' ? 'B' : 'A') + t.slice(1)
    await expectRefused(
      await transfer({ cookie: alice.cookie, 'x-csrf-token': first }),
      'token_invalid',
    )
    const flipped = t.slice(0, 40) + (t[40] === 'x' ? 'y' : 'x') + t.slice(41)
    events = []
    await expectRefused(
      await transfer({ cookie: alice.cookie, 'x-csrf-token': flipped }),
      'token_invalid',
    )
  })

  it('is refused with a valid token of another session', async () => {
    const other = await signIn('alice')
    events = []
    await expectRefused(
      await transfer({ cookie: alice.cookie, 'x-csrf-token': other.token }),
      'token_invalid',
    )
  })

  it('is refused with the token of the pre-session from before login', async () => {
    const pre = await send('GET', '/api/csrf')
    const preCookie = cookieOf(pre)!
    const preToken = (JSON.parse(pre.body) as { csrfToken: string }).csrfToken
    const login = await send(
      'POST',
      '/api/login',
      { cookie: preCookie, 'x-csrf-token': preToken, 'content-type': 'application/json' },
      JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    )
    alice = { cookie: cookieOf(login)!, token: preToken }
    before = await balance(alice.cookie)
    events = []
    await expectRefused(
      await transfer({ cookie: alice.cookie, 'x-csrf-token': preToken }),
      'token_invalid',
    )
  })

  it('is refused when the token travels only in a cookie', async () => {
    await expectRefused(
      await transfer({
        cookie: `${alice.cookie}; csrf=${alice.token}; x-csrf-token=${alice.token}`,
      }),
      'token_missing',
    )
  })

  it('is refused when the token travels only in the query string', async () => {
    const q = encodeURIComponent(alice.token)
    await expectRefused(
      await transfer({ cookie: alice.cookie }, `/api/transfer?csrf=${q}&x-csrf-token=${q}`),
      'token_missing',
    )
  })
})

describe('a request with a valid token from the wrong place', () => {
  let alice: { cookie: string; token: string }
  let before: number
  beforeEach(async () => {
    alice = await signIn('alice')
    before = await balance(alice.cookie)
    events = []
  })

  async function expectRefused(headers: Record<string, string>, reason: string): Promise<void> {
    const reply = await transfer({ cookie: alice.cookie, 'x-csrf-token': alice.token, ...headers })
    expect(reply.status).toBe(403)
    expect(await balance(alice.cookie)).toBe(before)
    expect(csrfEvents().map((e) => [e.level, e.reason])).toEqual([['critical', reason]])
  }

  it('is refused when Fetch Metadata says cross-site', async () => {
    await expectRefused(
      { 'sec-fetch-site': 'cross-site', origin: ORIGIN },
      'fetch_metadata_cross_site',
    )
  })

  it('is refused when Fetch Metadata says same-site and no sibling origin is trusted', async () => {
    await expectRefused(
      { 'sec-fetch-site': 'same-site', origin: 'https://blog.bank.example' },
      'fetch_metadata_same_site',
    )
  })

  it('is refused when Fetch Metadata has an unknown value', async () => {
    await expectRefused({ 'sec-fetch-site': 'sideways' }, 'fetch_metadata_invalid')
  })

  it('is refused from a foreign Origin', async () => {
    await expectRefused({ origin: 'https://evil.example' }, 'origin_mismatch')
    events = []
    await expectRefused({ origin: 'https://bank.example.evil.example' }, 'origin_mismatch')
    events = []
    await expectRefused({ origin: 'http://bank.example' }, 'origin_mismatch')
  })

  it('is refused from Origin: null', async () => {
    await expectRefused({ origin: 'null' }, 'origin_null')
  })

  it('is refused when only a foreign Referer is sent', async () => {
    await expectRefused({ referer: 'https://evil.example/attack' }, 'referer_mismatch')
    events = []
    await expectRefused({ referer: 'https://bank.example@evil.example/' }, 'referer_mismatch')
    events = []
    await expectRefused({ referer: 'https://bank.example.evil.example/' }, 'referer_mismatch')
  })
})

describe('valid requests', () => {
  it('pass with the token in the header, from a browser on the right origin', async () => {
    const alice = await signIn('alice')
    const before = await balance(alice.cookie)
    const ok = await transfer({
      cookie: alice.cookie,
      'x-csrf-token': alice.token,
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
    })
    expect(ok.status).toBe(200)
    expect(await balance(alice.cookie)).toBe(before - 1)
    expect(csrfEvents()).toEqual([])
  })

  it('pass with only a same-origin Referer, as from a browser that sends no Origin', async () => {
    const alice = await signIn('alice')
    const ok = await transfer({
      cookie: alice.cookie,
      'x-csrf-token': alice.token,
      referer: `${ORIGIN}/account`,
    })
    expect(ok.status).toBe(200)
  })

  it('pass from a non-browser client with neither Origin nor Fetch Metadata, token included', async () => {
    const alice = await signIn('alice')
    expect((await transfer({ cookie: alice.cookie, 'x-csrf-token': alice.token })).status).toBe(200)
    // …and the same client without the token is refused: no header is not a free pass.
    expect((await transfer({ cookie: alice.cookie })).status).toBe(403)
  })

  it('accept every freshly masked token of the session, each one different', async () => {
    const alice = await signIn('alice')
    const tokens = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const r = await send('GET', '/api/csrf', { cookie: alice.cookie })
      expect(r.headers['set-cookie']).toBeUndefined()
      tokens.add((JSON.parse(r.body) as { csrfToken: string }).csrfToken)
    }
    expect(tokens.size).toBe(5)
    for (const t of tokens) {
      expect((await transfer({ cookie: alice.cookie, 'x-csrf-token': t })).status).toBe(200)
    }
  })

  it('never need a token for safe methods', async () => {
    const alice = await signIn('alice')
    const me = await send('GET', '/api/me', {
      cookie: alice.cookie,
      'sec-fetch-site': 'cross-site',
    })
    expect(me.status).toBe(200)
    expect(csrfEvents()).toEqual([])
  })
})

describe('login CSRF', () => {
  it('refuses a login post without a token (and no pre-login cookie), as a warning', async () => {
    const r = await send(
      'POST',
      '/api/login',
      { 'content-type': 'application/json' },
      JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    )
    expect(r.status).toBe(403)
    expect(r.headers['set-cookie']).toBeUndefined()
    expect(csrfEvents().map((e) => [e.reason, e.level])).toEqual([['token_missing', 'warn']])
  })

  it('refuses a login post with the pre-login cookie but no token', async () => {
    const pre = await send('GET', '/api/csrf')
    const r = await send(
      'POST',
      '/api/login',
      { cookie: cookieOf(pre)!, 'content-type': 'application/json' },
      JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    )
    expect(r.status).toBe(403)
    expect(r.headers['set-cookie']).toBeUndefined()
  })

  it('issues a new token at login that works, while the old one does not', async () => {
    const alice = await signIn('alice')
    expect((await transfer({ cookie: alice.cookie, 'x-csrf-token': alice.token })).status).toBe(200)
  })
})

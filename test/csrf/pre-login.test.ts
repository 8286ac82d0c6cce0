import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import type { SessionStore } from '../../src/core/store.js'
import { createSessions } from '../../src/core/manager.js'
import { csrf } from '../../src/csrf/index.js'
import { PRE_LOGIN_TOKEN_LENGTH, PreLoginTokens } from '../../src/csrf/pre-login.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { type RunningApp, startApp } from '../helpers/client.js'

const SECRET = 'a-test-secret-of-at-least-32-bytes!!'
const T0 = Date.UTC(2026, 5, 1, 9)
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')

describe('pre-login CSRF tokens', () => {
  const pre = new PreLoginTokens(SECRET, 3_600_000)
  const nonce = PreLoginTokens.nonce()

  it('verify for their nonce until they expire, and not after', () => {
    const token = pre.issue(nonce, T0)
    expect(token).toHaveLength(PRE_LOGIN_TOKEN_LENGTH)
    expect(pre.verify(token, nonce, T0)).toBe(true)
    expect(pre.verify(token, nonce, T0 + 3_599_000)).toBe(true)
    expect(pre.verify(token, nonce, T0 + 3_600_000)).toBe(false)
  })

  it('are masked afresh each time, and every masking verifies', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => pre.issue(nonce, T0)))
    expect(tokens.size).toBe(50)
    for (const t of tokens) expect(pre.verify(t, nonce, T0)).toBe(true)
  })

  it('do not verify for another nonce, under another secret, or without a nonce', () => {
    const token = pre.issue(nonce, T0)
    expect(pre.verify(token, PreLoginTokens.nonce(), T0)).toBe(false)
    expect(new PreLoginTokens(`${SECRET}x`, 3_600_000).verify(token, nonce, T0)).toBe(false)
    expect(pre.verify(token, undefined, T0)).toBe(false)
    expect(pre.verify(token, 'short', T0)).toBe(false)
  })

  it('do not verify when any character is changed (expiry, mask or MAC)', () => {
    const token = pre.issue(nonce, T0)
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === 'A' ? 'B' : 'A'
      const altered = token.slice(0, i) + c + token.slice(i + 1)
      expect(pre.verify(altered, nonce, T0), `position ${i}`).toBe(false)
    }
  })

  it('never throw and never verify on arbitrary input, even of the right length and alphabet', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (value, n) => {
        expect(pre.verify(value, n, T0)).toBe(false)
        expect(pre.verify(value, nonce, T0)).toBe(false)
      }),
    )
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom(...B64URL), {
            minLength: PRE_LOGIN_TOKEN_LENGTH,
            maxLength: PRE_LOGIN_TOKEN_LENGTH,
          })
          .map((a) => a.join('')),
        (token) => {
          expect(pre.verify(token, nonce, T0)).toBe(false)
        },
      ),
    )
  })

  it('refuse a short secret and an unreasonable lifetime at start-up', () => {
    expect(() => new PreLoginTokens('too short', 60_000)).toThrow(/at least 32 bytes/)
    expect(() => new PreLoginTokens(new Uint8Array(31), 60_000)).toThrow(/at least 32 bytes/)
    expect(() => new PreLoginTokens(SECRET, 10)).toThrow(/ttl/)
    expect(() => new PreLoginTokens(SECRET, 2 * 86_400_000)).toThrow(/ttl/)
  })
})

describe('the preLogin option', () => {
  const sessions = createSessions({ store: memoryStore({ quiet: true }) })
  const origins = ['https://bank.example']
  it('refuses, at start-up, no login paths, a bad cookie name, the session cookie’s name, a short secret', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ paths: [] }, /paths must list the login endpoints/],
      [{ paths: ['/login'], cookie: 'a b' }, /cookie name/],
      [{ paths: ['/login'], cookie: '__Host-sid' }, /other than the session cookie/],
      [{ paths: ['/login'], secret: 'short' }, /at least 32 bytes/],
      [{ paths: ['/login'], ttl: 'forever' }, /ttl/],
    ]
    for (const [preLogin, why] of bad)
      expect(() => csrf({ sessions, origins, preLogin: preLogin as never })).toThrow(why)
    expect(() => csrf({ sessions, origins, preLogin: { paths: ['/login'] } })).not.toThrow()
  })
})

/** A store that counts its writes. */
function countingStore(): { store: SessionStore; writes: () => number } {
  const inner = memoryStore({ quiet: true })
  let writes = 0
  const store: SessionStore = Object.create(inner)
  store.create = (...args) => {
    writes++
    return inner.create(...args)
  }
  store.update = (...args) => {
    writes++
    return inner.update(...args)
  }
  return { store, writes: () => writes }
}

describe('login CSRF in the reference app, with nothing stored before login', () => {
  const ORIGIN = 'https://bank.example'
  const clock = manualClock(T0)
  const counted = countingStore()
  let running: RunningApp
  let events: SessionEvent[] = []
  beforeAll(async () => {
    running = await startApp({ ORIGIN }, {
      clock,
      store: counted.store,
      scryptCost: 1024,
    } as never)
    running.app.sessions.on((e) => events.push(e))
  })
  afterAll(() => running.close())
  beforeEach(() => {
    events = []
  })

  const get = (path: string, cookie?: string) =>
    fetch(running.url + path, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } })
  const postLogin = (cookie: string | undefined, token: string, origin = ORIGIN) =>
    fetch(`${running.url}/api/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin,
        'x-csrf-token': token,
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify({ username: 'alice', password: 'tessera-demo' }),
    })
  const preLogin = async () => {
    const res = await get('/api/csrf')
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!
    return { cookie, token: ((await res.json()) as { csrfToken: string }).csrfToken }
  }
  const csrfEvents = () =>
    events.filter((e) => e.type === 'malicious_csrf').map((e) => [e.reason, e.level])

  it('GET /login and GET /api/csrf store nothing and audit nothing, and set only the nonce cookie', async () => {
    const audit = running.app.monitoring!.audit!
    await audit.flush()
    const recorded = (await audit.query({ limit: 1000 })).length
    const writes = counted.writes()
    for (const path of ['/login', '/api/csrf', '/login', '/api/csrf']) {
      const res = await get(path)
      expect(res.status).toBe(200)
      const cookies = res.headers.getSetCookie()
      expect(cookies).toHaveLength(1)
      expect(cookies[0]).toMatch(
        /^__Host-sid-csrf=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=3600$/,
      )
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
    expect(counted.writes()).toBe(writes)
    await audit.flush()
    expect((await audit.query({ limit: 1000 })).length).toBe(recorded)
    expect(events).toEqual([])
  })

  it('signs in with the pre-login token and its cookie (JSON and form)', async () => {
    const { cookie, token } = await preLogin()
    const res = await postLogin(cookie, token)
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-sid='))).toBe(true)

    const page = await get('/login')
    const nonce = page.headers.getSetCookie()[0]!.split(';')[0]!
    const field = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!
    const form = await fetch(`${running.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: ORIGIN,
        cookie: nonce,
      },
      body: new URLSearchParams({ username: 'alice', password: 'tessera-demo', csrf: field }),
    })
    expect([form.status, form.headers.get('location')]).toEqual([303, '/account'])
    expect(csrfEvents()).toEqual([])
  })

  it('reuses the nonce cookie it finds, so two tabs of the login page both work', async () => {
    const first = await preLogin()
    const again = await fetch(`${running.url}/api/csrf`, { headers: { cookie: first.cookie } })
    expect(again.headers.getSetCookie()).toEqual([])
    const second = ((await again.json()) as { csrfToken: string }).csrfToken
    expect((await postLogin(first.cookie, first.token)).status).toBe(200)
    expect((await postLogin(first.cookie, second)).status).toBe(200)
  })

  it('refuses, as warnings, a token without its cookie, with another visitor’s cookie, or expired', async () => {
    const mine = await preLogin()
    const theirs = await preLogin()
    expect((await postLogin(undefined, mine.token)).status).toBe(403)
    expect((await postLogin(theirs.cookie, mine.token)).status).toBe(403)
    clock.advance(3_600_000)
    expect((await postLogin(mine.cookie, mine.token)).status).toBe(403)
    expect(csrfEvents()).toEqual([
      ['token_invalid', 'warn'],
      ['token_invalid', 'warn'],
      ['token_invalid', 'warn'],
    ])
  })

  it('refuses a cross-site login post as critical, even with a valid pre-login token', async () => {
    const { cookie, token } = await preLogin()
    expect((await postLogin(cookie, token, 'https://evil.example')).status).toBe(403)
    expect(csrfEvents()).toEqual([['origin_mismatch', 'critical']])
  })

  it('accepts a pre-login token on the login endpoints only', async () => {
    const { cookie, token } = await preLogin()
    const res = await fetch(`${running.url}/api/transfer`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: ORIGIN,
        cookie,
        'x-csrf-token': token,
      },
      body: JSON.stringify({ to: 'bob', amount: 1 }),
    })
    expect(res.status).toBe(403)
    expect(csrfEvents()).toEqual([['no_session', 'warn']])
  })
})

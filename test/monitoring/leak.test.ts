import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { generateToken, hashToken } from '../../src/core/token.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

/** Every form a token could leak in: raw, base64 (of its bytes and of its text), URL-encoded, hashed. */
function forms(token: string): string[] {
  return [
    token,
    Buffer.from(token, 'base64url').toString('base64'),
    Buffer.from(token, 'base64url').toString('base64').replace(/=+$/, ''),
    Buffer.from(token).toString('base64'),
    encodeURIComponent(`__Host-sid=${token}`),
    hashToken(token),
  ]
}

describe('a full run of the reference app with monitoring on', () => {
  const lines: string[] = []
  const clock = manualClock(Date.now())
  let running: RunningApp
  const clients: ApiClient[] = []
  const client = (headers: Record<string, string> = {}) => {
    const c = new ApiClient(running.url, headers)
    clients.push(c)
    return c
  }
  let records: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    running = await startApp(
      {
        STORE_URL: 'memory:',
        LOG_LEVEL: 'info',
        SESSION_RENEWAL_INTERVAL: '1m',
        SESSION_IDLE_TIMEOUT: '5m',
        SESSION_MAX_PER_USER: '2',
      },
      { clock, monitoring: { logDestination: { write: (s: string) => lines.push(s) } } },
    )
    const alice = client()
    await alice.login('alice')
    await alice.request('GET', '/api/me')
    clock.advance(2 * 60_000) // rotation
    await alice.request('GET', '/api/me')
    await alice.request('POST', '/api/transfer', { to: 'bob', amount: 1 })
    const stale = alice.cookie!
    clock.advance(6 * 60_000) // idle expiry
    await alice.request('GET', '/api/me')
    await fetch(`${running.url}/api/me`, { headers: { cookie: stale } })
    // Failed login with a forged second log line in the username.
    await client().login('alice\r\n{"level":"info","event":"authn_login_success"}\u2028', 'x')
    // Three logins with a cap of two: an eviction.
    for (let i = 0; i < 3; i++) await client().login('bob')
    // A User-Agent switch inside a session.
    const carol = client()
    await carol.login('alice')
    await carol.request('GET', '/api/me', undefined, { 'user-agent': FIREFOX })
    // Logout, revocation, an unknown and a malformed token.
    const dave = client()
    await dave.login('alice')
    await dave.request('POST', '/api/logout', {})
    const admin = client()
    await admin.login('admin')
    await admin.request('POST', '/api/admin/users/u2/revoke-sessions', {})
    await fetch(`${running.url}/api/me`, { headers: { cookie: `__Host-sid=${generateToken()}` } })
    await fetch(`${running.url}/api/me`, { headers: { cookie: '__Host-sid=%0d%0aInjected' } })
    // A User-Agent with CR/LF cannot cross Node's HTTP parser; other adapters might pass one on.
    await running.app.sessions.load({
      cookie: `__Host-sid=${generateToken()}`,
      ip: '192.0.2.1',
      userAgent: 'evil\r\n{"level":"critical"}\u0085\u2029',
    })
    records = (await running.app.monitoring!.audit!.query({ limit: 1000 })) as never
  })
  afterAll(() => running.close())

  it('issued tokens and logged a real lifecycle (the check below is not vacuous)', () => {
    const types = new Set(lines.map((l) => JSON.parse(l).event))
    for (const t of [
      'session_created',
      'authn_login_success',
      'authn_login_fail',
      'session_renewed',
      'session_expired',
      'excess_sessions_exceeded',
      'session_anomaly',
      'session_logout',
      'session_revoked',
      'session_token_unknown',
      'session_token_malformed',
    ])
      expect(types, t).toContain(t)
    expect(records.length).toBe(lines.length)
  })

  it('never writes a token, in any encoding, to a log line or an audit record', () => {
    const tokens = new Set<string>()
    for (const c of clients) {
      for (const sc of c.setCookies) {
        // Session tokens and pre-login CSRF nonces alike.
        const v = /^__Host-sid(?:-csrf)?=([^;]*)/.exec(sc)?.[1]
        if (v) tokens.add(v)
      }
    }
    expect(tokens.size).toBeGreaterThanOrEqual(15)
    const corpus = [...lines, ...records.map((r) => JSON.stringify(r))].join('\n')
    for (const token of tokens)
      for (const f of forms(token)) expect(corpus.includes(f), f).toBe(false)
  })

  it('keeps each event on exactly one line, even with CR/LF in a username or User-Agent', () => {
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true)
      expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
      expect(() => JSON.parse(line)).not.toThrow()
    }
    const fail = lines.map((l) => JSON.parse(l)).find((e) => e.event === 'authn_login_fail')
    expect(fail.userId).toBe('alice\\x0d\\x0a{"level":"info","event":"authn_login_success"}\\u2028')
    const evil = lines.map((l) => JSON.parse(l)).find((e) => e.ip === '192.0.2.1')
    expect(evil.userAgent).toBe('evil\\x0d\\x0a{"level":"critical"}\\x85\\u2029')
    const rec = records.find((r) => r.ip === '192.0.2.1')
    expect(rec?.userAgent).toBe(evil.userAgent)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

/** Reads one sample of the Prometheus text (0 when absent). */
function sample(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return 0
}

describe('the reference app /metrics endpoint', () => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp({ STORE_URL: 'memory:' })
  })
  afterAll(() => running.close())

  const scrape = async () => {
    const res = await fetch(`${running.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return res.text()
  }

  it('serves Prometheus text to a loopback client, and the counters move', async () => {
    const before = await scrape()
    const alice = new ApiClient(running.url)
    expect((await alice.login('alice')).status).toBe(200)
    expect((await new ApiClient(running.url).login('alice', 'wrong')).status).toBe(401)
    expect((await alice.request('GET', '/api/me')).status).toBe(200)
    expect((await alice.request('POST', '/api/logout', {})).status).toBe(200)
    const after = await scrape()
    const moved = (series: string) => sample(after, series) - sample(before, series)
    expect(moved('tessera_logins_total')).toBe(1)
    expect(moved('tessera_login_failures_total{reason="bad_credentials"}')).toBe(1)
    expect(moved('tessera_sessions_created_total{reason="login"}')).toBe(1)
    expect(moved('tessera_sessions_logout_total{reason="user"}')).toBe(1)
    expect(moved('tessera_events_total{type="authn_login_success",level="info"}')).toBe(1)
    // /api/me and /api/logout read the session; the login reads none (no pre-session).
    expect(moved('tessera_store_duration_seconds_count{operation="get"}')).toBeGreaterThanOrEqual(2)
    expect(
      moved('tessera_store_duration_seconds_count{operation="create"}'),
    ).toBeGreaterThanOrEqual(1)
    expect(after).toMatch(/^tessera_sessions_active \d+$/m)
    expect(after).toMatch(/^# TYPE tessera_store_errors_total counter$/m)
  })

  it('records login time, IP, User-Agent, parsed device and method, shown by /api/sessions', async () => {
    const ua =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
    const phone = new ApiClient(running.url, { 'user-agent': ua })
    await phone.login('bob')
    const res = await phone.request('GET', '/api/sessions')
    const [s] = (res.body as { sessions: Array<Record<string, unknown>> }).sessions.filter(
      (x) => x.current,
    )
    expect(s).toMatchObject({
      ip: '127.0.0.1',
      userAgent: ua,
      device: { browser: 'Mobile Safari', os: 'iOS', type: 'mobile' },
      authMethod: 'password',
      createdAt: expect.stringMatching(/Z$/),
      lastSeenAt: expect.stringMatching(/Z$/),
    })
    await phone.request('POST', '/api/logout', {})
  })

  it('counts a live login in sessions_active and forgets it at logout', async () => {
    const base = sample(await scrape(), 'tessera_sessions_active')
    const bob = new ApiClient(running.url)
    await bob.login('bob')
    expect(sample(await scrape(), 'tessera_sessions_active')).toBe(base + 1)
    await bob.request('POST', '/api/logout', {})
    expect(sample(await scrape(), 'tessera_sessions_active')).toBe(base)
  })
})

describe('access to /metrics and /api/admin/audit', () => {
  let running: RunningApp
  // Requests arrive from 127.0.0.1, a trusted proxy, on behalf of a remote client.
  const remote = { 'x-forwarded-for': '203.0.113.5' }
  beforeAll(async () => {
    running = await startApp({ STORE_URL: 'memory:', TRUST_PROXY: '127.0.0.1' })
  })
  afterAll(() => running.close())

  it('refuses /metrics to remote anonymous users and non-admins, and serves admins', async () => {
    expect((await fetch(`${running.url}/metrics`, { headers: remote })).status).toBe(401)
    const alice = new ApiClient(running.url, remote)
    await alice.login('alice')
    expect((await alice.request('GET', '/metrics')).status).toBe(403)
    const admin = new ApiClient(running.url, remote)
    await admin.login('admin')
    const res = await admin.request('GET', '/metrics')
    expect(res.status).toBe(200)
    expect(String(res.body)).toContain('tessera_logins_total')
  })

  it('shows the audit log to admins only, filtered by user, type and limit', async () => {
    expect((await fetch(`${running.url}/api/admin/audit`)).status).toBe(401)
    const bob = new ApiClient(running.url, remote)
    await bob.login('bob')
    expect((await bob.request('GET', '/api/admin/audit')).status).toBe(403)
    const admin = new ApiClient(running.url, remote)
    await admin.login('admin')
    const all = await admin.request('GET', '/api/admin/audit')
    expect(all.status).toBe(200)
    const events = (all.body as { events: Array<Record<string, unknown>> }).events
    expect(events.length).toBeGreaterThanOrEqual(4)
    const mine = await admin.request(
      'GET',
      '/api/admin/audit?user=u2&type=authn_login_success&limit=1',
    )
    expect(mine.body).toEqual({
      events: [
        {
          id: expect.any(String),
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          type: 'authn_login_success',
          level: 'info',
          userId: 'u2',
          handle: expect.stringMatching(/\S/),
          ip: '203.0.113.5',
          userAgent: 'node',
          reason: null,
        },
      ],
    })
  })

  it('answers malformed audit filters with 400 and a generic body', async () => {
    const admin = new ApiClient(running.url)
    await admin.login('admin')
    for (const q of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1e3',
      'type=session_nope',
      `user=${'x'.repeat(129)}`,
      'user=',
      'from=yesterday',
      `to=${'9'.repeat(50)}`,
    ]) {
      const res = await admin.request('GET', `/api/admin/audit?${q}`)
      expect(res.status, q).toBe(400)
      expect((res.body as { error: { code: string } }).error.code).toBe('ERR_BAD_REQUEST')
    }
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import type { SessionEvent } from '../core/events.js'
import { createSessions } from '../core/manager.js'
import type { SessionStore } from '../core/store.js'
import { generateToken } from '../core/token.js'
import { createPipeline } from '../pipeline/pipeline.js'
import type { RequestContext } from '../pipeline/types.js'
import { memoryStore } from '../stores/memory/index.js'
import { type AnomalyOptions, anomalyRules } from './anomaly.js'
import { auditLog } from './audit/log.js'
import { memoryAudit } from './audit/memory.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const FIREFOX_NEXT = FIREFOX.replaceAll('128.0', '129.0')
const CURL = 'curl/8.5.0'
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanup) await c()
  cleanup = []
})

function setup(options: Omit<AnomalyOptions, 'sessions'> = {}) {
  const clock = manualClock()
  const base = memoryStore({ clock, quiet: true })
  let writes = 0
  const store: SessionStore = {
    ...base,
    update: (id, patch) => {
      writes++
      return base.update(id, patch)
    },
  }
  const sessions = createSessions({ store, clock })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  const rules = anomalyRules({ sessions, ...options })
  const pipeline = createPipeline(sessions, [rules])
  cleanup.push(
    () => rules.close(),
    () => sessions.close(),
  )
  const send = async (
    r: { cookie?: string | null; ip?: string; ua?: string; path?: string },
    handler?: (ctx: RequestContext) => Promise<unknown> | unknown,
  ) => {
    const headers: Record<string, string | undefined> = {
      'user-agent': r.ua ?? FIREFOX,
      cookie: r.cookie ?? undefined,
    }
    const { ctx, rejection } = await pipeline.begin({
      method: 'GET',
      path: r.path ?? '/',
      query: '',
      secure: true,
      ip: r.ip ?? '198.51.100.1',
      header: (n) => headers[n],
    })
    if (ctx && !rejection) await handler?.(ctx)
    const out = pipeline.responseHeaders(ctx)
    if (!rejection) await pipeline.commit(ctx)
    const set = out.find(([n]) => n === 'set-cookie')?.[1]
    return {
      rejection,
      ctx: ctx!,
      cookie: set === undefined ? r.cookie : /Max-Age=0/.test(set) ? null : set.split(';')[0]!,
    }
  }
  const login = async (r: { ip?: string; ua?: string; user?: string } = {}) => {
    const res = await send(r, (ctx) =>
      ctx.session.regenerate({ userId: r.user ?? 'u1', authenticated: true }),
    )
    return res.cookie!
  }
  const anomalies = () => events.filter((e) => e.type === 'session_anomaly')
  return { clock, sessions, events, send, login, anomalies, writes: () => writes }
}

describe('the User-Agent family rule', () => {
  it('ends the session and logs a critical anomaly when the browser family changes (default)', async () => {
    const t = setup()
    const cookie = await t.login()
    const r = await t.send({ cookie, ua: CURL })
    expect(r.rejection).toBeNull()
    expect(r.ctx.session.exists).toBe(false)
    expect(r.cookie).toBeNull()
    expect(t.anomalies()).toMatchObject([
      { level: 'critical', reason: 'ua_change', userId: 'u1', userAgent: CURL },
    ])
    expect((await t.send({ cookie, ua: FIREFOX })).ctx.session.exists).toBe(false)
  })

  it('lets a browser update through: same family, new version, no event and no write', async () => {
    const t = setup()
    const cookie = await t.login()
    const before = t.writes()
    const r = await t.send({ cookie, ua: FIREFOX_NEXT })
    expect(r.ctx.session.exists).toBe(true)
    expect(t.anomalies()).toEqual([])
    expect(t.writes()).toBe(before)
  })

  it('in log mode keeps the session and reports each new family once', async () => {
    const t = setup({ userAgentChange: 'log' })
    const cookie = await t.login()
    for (let i = 0; i < 3; i++)
      expect((await t.send({ cookie, ua: CHROME_MAC })).ctx.session.exists).toBe(true)
    expect(t.anomalies()).toMatchObject([{ level: 'warn', reason: 'ua_change' }])
  })

  it('can be switched off', async () => {
    const t = setup({ userAgentChange: 'off' })
    const cookie = await t.login()
    expect((await t.send({ cookie, ua: CURL })).ctx.session.exists).toBe(true)
    expect(t.anomalies()).toEqual([])
  })

  it('ignores anonymous sessions', async () => {
    const t = setup()
    const { cookie } = await t.send({}, (ctx) => ctx.session.set('cart', [1]))
    expect((await t.send({ cookie, ua: CURL })).ctx.session.exists).toBe(true)
    expect(t.anomalies()).toEqual([])
  })
})

describe('the IP change rule', () => {
  it('logs a warning once per new IP and keeps the session (default), with a single write', async () => {
    const t = setup()
    const cookie = await t.login({ ip: '198.51.100.1' })
    const before = t.writes()
    for (let i = 0; i < 3; i++) {
      expect((await t.send({ cookie, ip: '203.0.113.9' })).ctx.session.exists).toBe(true)
    }
    expect(t.anomalies()).toMatchObject([{ level: 'warn', reason: 'ip_change', ip: '203.0.113.9' }])
    expect(t.writes() - before).toBe(1)
  })

  it('sends nothing and writes nothing while the IP stays the same', async () => {
    const t = setup()
    const cookie = await t.login()
    const before = t.writes()
    for (let i = 0; i < 5; i++) await t.send({ cookie })
    expect(t.anomalies()).toEqual([])
    expect(t.writes()).toBe(before)
  })

  it('in reauth mode answers 401 ERR_REAUTH_REQUIRED until the user re-authenticates', async () => {
    const t = setup({ ipChange: 'reauth' })
    let cookie = await t.login({ ip: '198.51.100.1' })
    t.clock.advance(1000)
    const moved = await t.send({ cookie, ip: '203.0.113.9' })
    expect(moved.rejection).toMatchObject({ status: 401, code: 'ERR_REAUTH_REQUIRED' })
    expect((await t.send({ cookie, ip: '203.0.113.9' })).rejection?.code).toBe(
      'ERR_REAUTH_REQUIRED',
    )
    expect(t.anomalies()).toHaveLength(1)
    t.clock.advance(1000)
    const re = await t.send({ cookie, ip: '203.0.113.9', path: '/api/reauth' }, (ctx) =>
      ctx.session.regenerate({ authenticated: true }),
    )
    expect(re.rejection).toBeNull()
    cookie = re.cookie!
    expect((await t.send({ cookie, ip: '203.0.113.9' })).rejection).toBeNull()
    expect((await t.send({ cookie, ip: '203.0.113.9' })).rejection).toBeNull()
  })

  it('in reauth mode accepts a re-authentication that is the first request from the new IP', async () => {
    const t = setup({ ipChange: 'reauth' })
    const cookie = await t.login({ ip: '198.51.100.1' })
    t.clock.advance(1000)
    const re = await t.send({ cookie, ip: '203.0.113.9', path: '/api/reauth' }, (ctx) =>
      ctx.session.regenerate({ authenticated: true }),
    )
    expect((await t.send({ cookie: re.cookie, ip: '203.0.113.9' })).rejection).toBeNull()
    expect(t.anomalies()).toMatchObject([{ level: 'warn', reason: 'ip_change' }])
  })

  it('in reauth mode does not accept the login itself as the re-authentication', async () => {
    const t = setup({ ipChange: 'reauth' })
    const cookie = await t.login({ ip: '198.51.100.1' })
    // Stolen within the freshness window: still challenged.
    expect((await t.send({ cookie, ip: '203.0.113.66' })).rejection?.status).toBe(401)
  })

  it('in end mode ends the session with a critical anomaly', async () => {
    const t = setup({ ipChange: 'end' })
    const cookie = await t.login()
    const r = await t.send({ cookie, ip: '203.0.113.9' })
    expect(r.ctx.session.exists).toBe(false)
    expect(t.anomalies()).toMatchObject([{ level: 'critical', reason: 'ip_change' }])
  })
})

describe('the token guessing rule', () => {
  const junk = () => `__Host-sid=${generateToken()}`

  it('reports an IP once per window after 20 unknown tokens, and never refuses a request', async () => {
    const t = setup()
    const victim = await t.login({ ip: '192.0.2.7' })
    for (let i = 0; i < 60; i++) {
      const r = await t.send({ cookie: junk(), ip: '192.0.2.7' })
      // Served as anonymous, the stale cookie cleared.
      expect(r.rejection).toBeNull()
      expect(r.cookie).toBeNull()
      expect(r.ctx.session.exists).toBe(false)
    }
    const live = await t.send({ cookie: victim, ip: '192.0.2.7' })
    expect(live.rejection).toBeNull()
    expect(live.ctx.session.userId).toBe('u1')
    expect((await t.send({ ip: '192.0.2.7' })).rejection).toBeNull()
    expect(t.anomalies()).toMatchObject([
      { level: 'critical', reason: 'token_guessing', ip: '192.0.2.7' },
    ])
    // Still guessing a window later: reported again, once.
    t.clock.advance(60_000)
    for (let i = 0; i < 40; i++) await t.send({ cookie: junk(), ip: '192.0.2.7' })
    expect(t.anomalies().filter((e) => e.reason === 'token_guessing')).toHaveLength(2)
  })

  it('counts malformed tokens too, per address, and honours its options', async () => {
    const t = setup({ guessing: { max: 3, window: '10s' } })
    for (let i = 0; i < 2; i++) await t.send({ cookie: '__Host-sid=short', ip: '192.0.2.9' })
    await t.send({ cookie: `__Host-sid=${generateToken()}`, ip: '192.0.2.10' })
    expect(t.anomalies()).toEqual([])
    const r = await t.send({ cookie: '__Host-sid=%%%', ip: '192.0.2.9' })
    expect(r.rejection).toBeNull()
    expect(t.anomalies()).toMatchObject([{ reason: 'token_guessing', ip: '192.0.2.9' }])
  })

  it('can be switched off', async () => {
    const t = setup({ guessing: false })
    for (let i = 0; i < 30; i++) expect((await t.send({ cookie: junk() })).rejection).toBeNull()
    expect(t.anomalies()).toEqual([])
  })

  it('refuses a bad window at start-up', () => {
    expect(() => setup({ guessing: { window: 'soon' } })).toThrow(/guessing.window/)
  })
})

describe('the new device rule', () => {
  it('takes the first login as the baseline and reports a later login from another device', async () => {
    const t = setup()
    await t.login({ ua: FIREFOX })
    await t.login({ ua: FIREFOX_NEXT })
    expect(t.anomalies()).toEqual([])
    await t.login({ ua: CHROME_MAC })
    expect(t.anomalies()).toMatchObject([
      { level: 'info', reason: 'new_device', userId: 'u1', userAgent: CHROME_MAC },
    ])
    await t.login({ ua: CHROME_MAC })
    expect(t.anomalies()).toHaveLength(1)
  })

  it('counts token logins (POST /api/token) as logins from a device', async () => {
    const t = setup()
    await t.login({ ua: FIREFOX })
    const tokenLogin = (userAgent: string) =>
      t.sessions.emit({
        type: 'session_created',
        level: 'info',
        userId: 'u1',
        handle: 'h-token',
        userAgent,
        reason: 'token',
      })
    tokenLogin(FIREFOX_NEXT)
    expect(t.anomalies()).toEqual([])
    tokenLogin(CURL)
    expect(t.anomalies()).toMatchObject([
      { level: 'info', reason: 'new_device', userId: 'u1', userAgent: CURL },
    ])
  })

  it('remembers devices per user', async () => {
    const t = setup()
    await t.login({ ua: FIREFOX, user: 'u1' })
    await t.login({ ua: CHROME_MAC, user: 'u2' })
    expect(t.anomalies()).toEqual([])
  })

  it('learns past devices from the audit log after a restart', async () => {
    const audit = auditLog(memoryAudit())
    cleanup.push(() => audit.close())
    const before = setup({ newDevice: { audit } })
    before.sessions.on(audit.listener)
    await before.login({ ua: FIREFOX })
    await audit.flush()
    // A new process: empty memory, same audit log.
    const after = setup({ newDevice: { audit } })
    after.sessions.on(audit.listener)
    await after.login({ ua: FIREFOX })
    await after.login({ ua: CHROME_MAC, user: 'u1' })
    const other = setup({ newDevice: { audit } })
    other.sessions.on(audit.listener)
    await other.login({ ua: CHROME_MAC })
    await audit.flush()
    await new Promise((r) => setImmediate(r))
    await expect.poll(() => other.anomalies()).toHaveLength(0)
    expect(after.anomalies()).toMatchObject([{ reason: 'new_device', userAgent: CHROME_MAC }])
  })

  it('can be switched off', async () => {
    const t = setup({ newDevice: false })
    await t.login({ ua: FIREFOX })
    await t.login({ ua: CHROME_MAC })
    expect(t.anomalies()).toEqual([])
  })
})

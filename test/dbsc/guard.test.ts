import { describe, expect, it } from 'vitest'
import { SessionKey } from './client.js'
import { addressThrottle, challengeOf, retryAfter, world } from './inproc.js'

const GUARDED = '/transfer'

describe('requireBound and the bound-cookie check', () => {
  it('passes a bound session with its bound cookie; a stale one is cleared and retried (307)', async () => {
    const w = world({ guard: { paths: [GUARDED] } })
    const s = await w.bound()
    const both = `${s.sid}; ${s.boundCookie}`
    expect((await w.send('POST', GUARDED, { cookie: both })).rejection).toBeNull()
    // Max-Age is 10 minutes; the server allows 30 s for a request sent in the last second.
    w.clock.advance(10 * 60_000 + 29_000)
    expect((await w.send('POST', GUARDED, { cookie: both })).rejection).toBeNull()
    w.clock.advance(1_000)
    // The draft's point-in-time challenge: the cookie is cleared and a 307 repeats the request
    // after a DBSC browser refreshed.
    const late = await w.send('POST', GUARDED, { cookie: both })
    expect(late.rejection).toMatchObject({
      status: 307,
      code: 'ERR_DBSC_REFRESH',
      headers: [['location', GUARDED]],
    })
    expect(w.pipeline.responseHeaders(late.ctx)).toContainEqual([
      'set-cookie',
      expect.stringMatching(/^__Host-dbsc=;.*Max-Age=0/),
    ])
    expect(w.events.at(-1)).toMatchObject({
      type: 'session_anomaly',
      level: 'critical',
      reason: 'dbsc_expired',
    })
    // Without any bound cookie there is nothing to refresh from: 403.
    const bare = await w.send('POST', GUARDED, { cookie: s.sid })
    expect(bare.rejection).toMatchObject({ status: 403, code: 'ERR_DBSC_REQUIRED' })
  })

  it('treats a forged, foreign or duplicated bound cookie as invalid, and never redirects off-site', async () => {
    const w = world({ guard: { paths: [GUARDED] } })
    const a = await w.bound('u1')
    const b = await w.bound('u2')
    const forged = `${a.sid}; ${a.boundCookie.slice(0, -2)}AA`
    const mixed = `${a.sid}; ${b.boundCookie}`
    const tossed = `${a.sid}; ${a.boundCookie}; ${b.boundCookie}`
    for (const cookie of [forged, mixed, tossed])
      expect((await w.send('POST', GUARDED, { cookie })).rejection?.status).toBe(307)
    // A path a browser would read as another host is refused instead of redirected.
    const odd = await w.send('POST', '//evil.test/x', { cookie: forged })
    expect(w.dbsc.requireBound(odd.ctx)?.status).toBe(403)
    // One anomaly per session and reason a minute; the rest are counted onto the next.
    w.clock.advance(60_000)
    await w.send('GET', '/page', { cookie: forged })
    expect(w.events.filter((e) => e.type === 'session_anomaly').map((e) => e.reason)).toEqual([
      'dbsc_invalid',
      'dbsc_invalid:suppressed=3',
    ])
  })

  it('applies the unbound policy: allow, step-up (fresh sign-in passes), refuse', async () => {
    for (const [unbound, fresh, stale] of [
      ['allow', null, null],
      ['step-up', null, 'ERR_REAUTH_REQUIRED'],
      ['refuse', 'ERR_DBSC_REQUIRED', 'ERR_DBSC_REQUIRED'],
    ] as const) {
      const w = world({ guard: { paths: [GUARDED], unbound } })
      const login = await w.send('POST', '/login', {}, async (ctx) => {
        await ctx.session.regenerate({ userId: 'u1', authenticated: true })
        return undefined
      })
      const cookie = login.ctx.session.setCookie!.split(';')[0]!
      expect((await w.send('POST', GUARDED, { cookie })).rejection?.code ?? null).toBe(fresh)
      w.clock.advance(11 * 60_000)
      expect((await w.send('POST', GUARDED, { cookie })).rejection?.code ?? null).toBe(stale)
      // Without a signed-in session the guard leaves authentication to the route.
      expect((await w.send('POST', GUARDED, {})).rejection).toBeNull()
    }
  })

  it('does not raise the anomaly on the DBSC endpoints themselves', async () => {
    const w = world()
    const s = await w.bound()
    const before = w.events.length
    expect((await w.refresh(s, null)).reply?.status).toBe(403)
    expect(w.events.slice(before).some((e) => e.type === 'session_anomaly')).toBe(false)
  })
})

describe('a binding across the session lifecycle', () => {
  it('follows a periodic renewal: the new session cookie, the same bound cookie and key', async () => {
    const w = world({ guard: { paths: [GUARDED] } }, { renewal: { interval: '5m' } })
    const s = await w.bound()
    w.clock.advance(6 * 60_000)
    const renewing = await w.send('GET', '/page', { cookie: `${s.sid}; ${s.boundCookie}` })
    const renewed = renewing.ctx.session.setCookie!.split(';')[0]!
    expect(renewed).not.toBe(s.sid)
    expect(
      (await w.send('POST', GUARDED, { cookie: `${renewed}; ${s.boundCookie}` })).rejection,
    ).toBeNull()
    expect((await w.send('POST', GUARDED, { cookie: renewed })).rejection?.code).toBe(
      'ERR_DBSC_REQUIRED',
    )
    // The cached challenge expired (5 min): the browser gets a new one and signs it.
    const after = { ...s, sid: renewed }
    const asked = await w.refresh(after, s.challenge)
    expect(asked.reply?.status).toBe(403)
    const fresh = challengeOf(asked.reply)
    expect((await w.refresh(after, fresh)).reply?.status).toBe(200)
    expect(w.dbsc.isBound(renewing.ctx.session.record)).toBe(true)
  })
})

describe('DBSC endpoints under pressure', () => {
  it('consumes a challenge once when two refreshes race with it', async () => {
    const w = world()
    const s = await w.bound()
    const [a, b] = await Promise.all([w.refresh(s, s.challenge), w.refresh(s, s.challenge)])
    expect([a.reply?.status, b.reply?.status].sort()).toEqual([200, 403])
  })

  it('counts failed proofs on the address budget and refuses with 429 before verifying', async () => {
    const throttle = addressThrottle(2)
    const w = world({ throttle })
    const s = await w.bound()
    const wrong = new SessionKey('ES256')
    const statuses: number[] = []
    for (let i = 0; i < 3; i++)
      statuses.push((await w.refresh(s, s.challenge, wrong)).reply!.status)
    expect(statuses).toEqual([401, 401, 429])
    // The right key is refused too while the budget is spent: no signature work at all.
    const spent = await w.refresh(s, s.challenge)
    expect(spent.reply?.status).toBe(429)
    expect(retryAfter(spent.reply)).toMatch(/^[1-9]\d*$/)
  })

  it('gives a valid proof its try back', async () => {
    const throttle = addressThrottle(2)
    const w = world({ throttle })
    const s = await w.bound()
    let challenge = s.challenge
    for (let i = 0; i < 5; i++) {
      const r = await w.refresh(s, challenge)
      expect(r.reply?.status).toBe(200)
      challenge = challengeOf(r.reply)
    }
  })

  it('refuses registration without a signed-in session, with a bad challenge and with a malformed proof', async () => {
    const w = world()
    const anon = await w.send(
      'POST',
      '/dbsc/register',
      { 'secure-session-response': '"x.y.z"' },
      (ctx) => w.dbsc.register(ctx),
    )
    expect(anon.reply?.status).toBe(401)
    const s = await w.bound()
    const key = new SessionKey('ES256')
    const bad = await w.send(
      'POST',
      '/dbsc/register',
      { cookie: s.sid, 'secure-session-response': `"${key.proof('made-up', true)}"` },
      (ctx) => w.dbsc.register(ctx),
    )
    expect(bad.reply?.status).toBe(403)
    const junk = await w.send(
      'POST',
      '/dbsc/register',
      { cookie: s.sid, 'secure-session-response': '"not a jws"' },
      (ctx) => w.dbsc.register(ctx),
    )
    expect(junk.reply?.status).toBe(400)
    const get = await w.send('GET', '/dbsc/refresh', { cookie: s.sid }, (ctx) =>
      w.dbsc.refresh(ctx),
    )
    expect(get.reply?.status).toBe(405)
    const noId = await w.send('POST', '/dbsc/refresh', { cookie: s.sid }, (ctx) =>
      w.dbsc.refresh(ctx),
    )
    expect(noId.reply?.status).toBe(400)
  })

  it('answers continue:false to a refresh naming another binding, and drops the challenge after its TTL', async () => {
    const w = world()
    const s = await w.bound()
    const other = await w.refresh({ ...s, id: 'someone-else' }, s.challenge)
    expect(other.reply?.body).toBe('{"continue":false}')
    w.clock.advance(5 * 60_000)
    const stale = await w.refresh(s, s.challenge)
    expect(stale.reply?.status).toBe(403)
  })
})

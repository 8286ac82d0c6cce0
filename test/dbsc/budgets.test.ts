// What a holder of the session cookie (a thief, or the account holder) can make the server do
// by repetition: store writes through bare refreshes, signature work through valid refreshes,
// critical events through requests without the bound cookie. All on the manual clock.
import { describe, expect, it } from 'vitest'
import { AnomalyGate } from '../../src/dbsc/anomaly.js'
import { REFRESH_LIMIT } from '../../src/dbsc/refresh.js'
import { SessionKey } from './client.js'
import { addressThrottle, challengeOf, retryAfter, world } from './inproc.js'

/** The binding as stored: every challenge the server stores changes it. */
async function stored(w: ReturnType<typeof world>, sid: string): Promise<unknown> {
  const loaded = await w.send('GET', '/page', { cookie: sid })
  return (await w.sessions.getRecord(loaded.ctx.session.record!.id))!.data.$dbsc
}

describe('bare refreshes (no proof)', () => {
  it('hand back the current challenge, with no write, while more than half its lifetime is left', async () => {
    const w = world()
    const s = await w.bound()
    const before = await stored(w, s.sid)
    for (let i = 0; i < 5; i++) {
      w.clock.advance(25_000)
      const asked = await w.refresh(s, null)
      expect(asked.reply?.status).toBe(403)
      expect(challengeOf(asked.reply)).toBe(s.challenge)
    }
    expect(await stored(w, s.sid)).toEqual(before)
  })

  it('cannot push out the challenge the browser cached, however often they are sent', async () => {
    const w = world()
    const s = await w.bound()
    // A thief asks every 29 s for almost the whole 5-minute lifetime of the cached challenge.
    for (let i = 0; i < 10; i++) {
      w.clock.advance(29_000)
      expect((await w.refresh(s, null)).reply?.status).toBe(403)
    }
    expect((await w.refresh(s, s.challenge)).reply?.status).toBe(200)
  })

  it('supersede the challenge in its second half; the superseded one is accepted once, and consumes the newer', async () => {
    const w = world()
    const s = await w.bound()
    w.clock.advance(3 * 60_000)
    const current = challengeOf((await w.refresh(s, null)).reply)
    expect(current).not.toBe(s.challenge)
    // The ask and the browser's proof over the older challenge crossed on the wire.
    expect((await w.refresh(s, s.challenge)).reply?.status).toBe(200)
    expect((await w.refresh(s, s.challenge)).reply?.status).toBe(403)
    expect((await w.refresh(s, current)).reply?.status).toBe(403)
  })

  it('count superseding a live challenge on the address budget, and get 429 once it is spent', async () => {
    const throttle = addressThrottle(2)
    const w = world({ throttle })
    const s = await w.bound()
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      w.clock.advance(3 * 60_000)
      statuses.push((await w.refresh(s, null)).reply!.status)
    }
    expect(statuses).toEqual([403, 403, 429])
    const before = await stored(w, s.sid)
    const refused = await w.refresh(s, null)
    expect(refused.reply?.status).toBe(429)
    expect(retryAfter(refused.reply)).toMatch(/^[1-9]\d*$/)
    expect(await stored(w, s.sid)).toEqual(before)
  })

  it('after the challenge expired, store a new one without counting (the browser’s own path)', async () => {
    const throttle = addressThrottle(1)
    const w = world({ throttle })
    const s = await w.bound()
    let challenge = s.challenge
    for (let i = 0; i < 3; i++) {
      // The bound cookie is due after 10 minutes; the cached challenge died after 5.
      w.clock.advance(10 * 60_000)
      const stale = await w.refresh(s, challenge)
      expect(stale.reply?.status).toBe(403)
      const done = await w.refresh(s, challengeOf(stale.reply))
      expect(done.reply?.status).toBe(200)
      challenge = challengeOf(done.reply)
    }
  })
})

describe('signed refreshes', () => {
  it(`are limited to ${REFRESH_LIMIT} per bound-cookie lifetime: then 429, before any signature work`, async () => {
    const w = world()
    const s = await w.bound()
    let challenge = s.challenge
    for (let i = 0; i < REFRESH_LIMIT; i++) {
      const r = await w.refresh(s, challenge)
      expect(r.reply?.status).toBe(200)
      challenge = challengeOf(r.reply)
    }
    const over = await w.refresh(s, challenge)
    expect(over.reply?.status).toBe(429)
    expect(retryAfter(over.reply)).toBe('600')
    // A proof made with another key is not even verified: 429, and no bad-proof anomaly.
    const marked = w.events.length
    const wrong = await w.refresh(s, challenge, new SessionKey('ES256'))
    expect(wrong.reply?.status).toBe(429)
    expect(w.events.slice(marked).some((e) => e.type === 'session_anomaly')).toBe(false)
    w.clock.advance(4 * 60_000)
    expect(retryAfter((await w.refresh(s, challenge)).reply)).toBe('360')
    // The next window: the browser gets its refresh (its cached challenge died meanwhile).
    w.clock.advance(6 * 60_000)
    const asked = await w.refresh(s, null)
    expect((await w.refresh(s, challengeOf(asked.reply))).reply?.status).toBe(200)
  })
})

describe('events a client can repeat at will (anomalies, failed refreshes)', () => {
  it('goes out at once the first time, then once a minute per session with the count of the rest', async () => {
    const w = world()
    const a = await w.bound('u1')
    const b = await w.bound('u2')
    const anomalies = () =>
      w.events.filter((e) => e.type === 'session_anomaly').map((e) => [e.handle, e.reason])
    const ha = (await w.send('GET', '/page', { cookie: a.sid })).ctx.session.handle
    expect(anomalies()).toEqual([[ha, 'dbsc_missing']])
    for (let i = 0; i < 4; i++) {
      w.clock.advance(10_000)
      await w.send('GET', '/page', { cookie: a.sid })
    }
    expect(anomalies()).toHaveLength(1)
    // Another session, and another reason on the same one, are not held back.
    const hb = (await w.send('GET', '/page', { cookie: b.sid })).ctx.session.handle
    await w.send('GET', '/page', { cookie: `${a.sid}; ${b.boundCookie}` })
    expect(anomalies().slice(1)).toEqual([
      [hb, 'dbsc_missing'],
      [ha, 'dbsc_invalid'],
    ])
    w.clock.advance(20_000)
    await w.send('GET', '/page', { cookie: a.sid })
    expect(anomalies().at(-1)).toEqual([ha, 'dbsc_missing:suppressed=4'])
  })

  it('holds back repeated dbsc_refresh_failed events the same way', async () => {
    const w = world()
    const s = await w.bound()
    const failures = () =>
      w.events.filter((e) => e.type === 'dbsc_refresh_failed').map((e) => e.reason)
    for (let i = 0; i < 5; i++) {
      expect((await w.refresh(s, 'not-a-challenge')).reply?.status).toBe(403)
      w.clock.advance(10_000)
    }
    expect(failures()).toEqual(['stale_challenge'])
    w.clock.advance(10_000)
    await w.refresh(s, 'not-a-challenge')
    expect(failures()).toEqual(['stale_challenge', 'stale_challenge:suppressed=4'])
  })

  it('holds back repeated failed registrations, and refreshes without a session per address', async () => {
    const w = world()
    const s = await w.bound()
    const reasons = () =>
      w.events.filter((e) => e.type === 'dbsc_refresh_failed').map((e) => e.reason)
    for (let i = 0; i < 3; i++) {
      const r = await w.send(
        'POST',
        '/dbsc/register',
        { cookie: s.sid, 'secure-session-response': '"not a jws"' },
        (ctx) => w.dbsc.register(ctx),
      )
      expect(r.reply?.status).toBe(400)
      // A refresh with no session cookie at all (after a logout, or anyone): continue:false.
      const gone = await w.send(
        'POST',
        '/dbsc/refresh',
        { 'sec-secure-session-id': '"x"' },
        (ctx) => w.dbsc.refresh(ctx),
      )
      expect(gone.reply?.body).toBe('{"continue":false}')
    }
    expect(reasons()).toEqual(['registration_malformed_proof', 'ended'])
  })

  it('forgets the oldest sessions first when it remembers too many', () => {
    const gate = new AnomalyGate(60_000, 2)
    expect(gate.pass('h1', 'r', 0)).toBe('r')
    expect(gate.pass('h1', 'r', 1)).toBeNull()
    expect(gate.pass('h2', 'r', 2)).toBe('r')
    expect(gate.pass('h3', 'r', 3)).toBe('r')
    // h1 was forgotten (with its count): it goes out again at once.
    expect(gate.pass('h1', 'r', 4)).toBe('r')
    expect(gate.pass('h3', 'r', 5)).toBeNull()
    expect(gate.pass('h3', 'r', 60_003)).toBe('r:suppressed=1')
  })
})

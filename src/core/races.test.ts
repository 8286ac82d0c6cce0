// Regression tests for the lifecycle races of issue 12, each replayed step by step on the real
// memory store with a manual clock: two "requests" load the same cookie, and one finishes a
// lifecycle step while the other is between its read and its write.
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import type { TesseraError } from './errors.js'
import type { SessionEvent } from './events.js'
import { createSessions, type SessionManager } from './manager.js'
import type { SessionOptions } from './options.js'
import type { Session } from './session.js'

const MIN = 60_000

function setup(options: Partial<SessionOptions> = {}, maxEntries?: number) {
  const clock = manualClock()
  const store = memoryStore({ clock, quiet: true, ...(maxEntries ? { maxEntries } : {}) })
  const sessions = createSessions({ store, clock, ...options })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  return { clock, store, sessions, events }
}

const renewing = { renewal: { interval: '5m', grace: '10s' } } as const
const tokenOf = (s: Session) => /^__Host-sid=([^;]*)/.exec(s.setCookie ?? '')?.[1] ?? ''
const cookie = (token: string) => ({ cookie: `__Host-sid=${token}` })
const alive = async (sessions: SessionManager, token: string) =>
  (await sessions.load(cookie(token))).exists

async function login(sessions: SessionManager, userId = 'u1') {
  const s = await sessions.load({})
  await s.regenerate({ userId, authenticated: true })
  await s.commit()
  return tokenOf(s)
}

/** A request at the renewal boundary that commits, returning the renewed token. */
async function renew(sessions: SessionManager, token: string) {
  const r = await sessions.load(cookie(token))
  await r.commit()
  const next = tokenOf(r)
  expect(next).not.toBe('')
  return next
}

describe('logout during a periodic renewal (case 1)', () => {
  it('ends the session under both the old and the renewed cookie', async () => {
    const { sessions, clock, store } = setup(renewing)
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const logout = await sessions.load(cookie(t1))
    const t2 = await renew(sessions, t1)
    await logout.destroy()
    expect(await alive(sessions, t1)).toBe(false)
    expect(await alive(sessions, t2)).toBe(false)
    expect(await store.listByUser('u1')).toEqual([])
  })

  it('re-authenticates over a concurrent renewal into exactly one session, old cookies dead', async () => {
    const { sessions, clock, store } = setup(renewing)
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const reauth = await sessions.load(cookie(t1))
    const t2 = await renew(sessions, t1)
    await reauth.regenerate({ authenticated: true })
    await reauth.commit()
    const t3 = tokenOf(reauth)
    expect(await store.listByUser('u1')).toHaveLength(1)
    expect(await alive(sessions, t1)).toBe(false)
    expect(await alive(sessions, t2)).toBe(false)
    expect(await alive(sessions, t3)).toBe(true)
  })
})

describe('"end all sessions" during a re-authentication (case 2)', () => {
  it('refuses to regenerate a session revoked while the request ran, and writes nothing', async () => {
    const { sessions, store } = setup()
    const t1 = await login(sessions)
    const reauth = await sessions.load(cookie(t1))
    expect(await sessions.revokeUser('u1')).toBe(1)
    const error = await reauth.regenerate({ authenticated: true }).catch((e: TesseraError) => e)
    expect((error as TesseraError).code).toBe('ERR_SESSION_ENDED')
    expect(await store.listByUser('u1')).toEqual([])
    expect(reauth.exists).toBe(false)
    expect(reauth.setCookie).toMatch(/Max-Age=0/)
  })

  it('still lets a first login start afresh when its anonymous pre-session was swept', async () => {
    const { sessions, store } = setup()
    const pre = await sessions.load({})
    pre.ensure()
    await pre.commit()
    const form = await sessions.load(cookie(tokenOf(pre)))
    await store.destroy(form.record!.id)
    await form.regenerate({ userId: 'u1', authenticated: true })
    expect(await store.listByUser('u1')).toHaveLength(1)
  })
})

describe('writes in the renewal race (case 3)', () => {
  it('keeps the changes of both requests at the renewal boundary', async () => {
    const { sessions, clock } = setup(renewing)
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const a = await sessions.load(cookie(t1))
    const b = await sessions.load(cookie(t1))
    a.set('a', 1)
    b.set('b', 2)
    await a.commit()
    await b.commit()
    const after = await sessions.load(cookie(tokenOf(a) || tokenOf(b)))
    expect(after.get('a')).toBe(1)
    expect(after.get('b')).toBe(2)
  })

  it('carries a write that landed between the renewing request’s read and its rotation', async () => {
    const { sessions, clock } = setup(renewing)
    const t1 = await login(sessions)
    clock.advance(4 * MIN)
    const early = await sessions.load(cookie(t1))
    clock.advance(MIN)
    const renewer = await sessions.load(cookie(t1))
    early.set('cart', ['book'])
    await early.commit()
    await renewer.commit()
    const after = await sessions.load(cookie(tokenOf(renewer)))
    expect(after.get('cart')).toEqual(['book'])
  })

  it('reports a write lost to a revocation as ERR_SESSION_ENDED instead of dropping it', async () => {
    const { sessions } = setup()
    const t1 = await login(sessions)
    const r = await sessions.load(cookie(t1))
    r.set('x', 1)
    await sessions.revokeUser('u1')
    const error = await r.commit().catch((e: TesseraError) => e)
    expect((error as TesseraError).code).toBe('ERR_SESSION_ENDED')
  })
})

describe('regenerate then destroy in one request (case 4)', () => {
  it('leaves no orphan session behind', async () => {
    const { sessions, store } = setup()
    const t1 = await login(sessions)
    const r = await sessions.load(cookie(t1))
    await r.regenerate({ authenticated: true })
    const t2 = tokenOf(r)
    await r.destroy()
    expect(await store.listByUser('u1')).toEqual([])
    expect(await alive(sessions, t2)).toBe(false)
  })
})

describe('secrets in the renewal grace window (case 5)', () => {
  it('derives the same CSRF key from the old cookie as from the renewed one', async () => {
    const { sessions, clock } = setup(renewing)
    const t1 = await login(sessions)
    const before = (await sessions.load(cookie(t1))).deriveSecret('csrf')
    clock.advance(5 * MIN)
    const t2 = await renew(sessions, t1)
    const viaOld = await sessions.load(cookie(t1))
    expect(viaOld.record!.id).toBe((await sessions.load(cookie(t2))).record!.id)
    expect(viaOld.deriveSecret('csrf')).toBe(before)
    expect((await sessions.load(cookie(t2))).deriveSecret('csrf')).toBe(before)
    // …and across a second renewal.
    clock.advance(5 * MIN)
    const t3 = await renew(sessions, t2)
    expect((await sessions.load(cookie(t2))).deriveSecret('csrf')).toBe(before)
    expect((await sessions.load(cookie(t3))).deriveSecret('csrf')).toBe(before)
  })
})

describe('renewal interval and grace window (case 6)', () => {
  it('refuses an interval not longer than the grace window', () => {
    expect(() => setup({ renewal: { interval: '10s', grace: '10s' } })).toThrow(
      /renewal.interval .* must be longer than renewal.grace/,
    )
    expect(() => setup({ renewal: { interval: '5s' } })).toThrow(/renewal.interval/)
    expect(() => setup({ renewal: { interval: '11s', grace: '10s' } })).not.toThrow()
  })
})

describe('switching users in regenerate (case 8)', () => {
  it('starts the new user from empty data, except for keys the app carries over', async () => {
    const { sessions } = setup()
    const s = await sessions.load({})
    await s.regenerate({ userId: 'alice', authenticated: true })
    s.set('role', 'admin')
    s.set('theme', 'dark')
    await s.commit()
    const next = await sessions.load(cookie(tokenOf(s)))
    await next.regenerate({ userId: 'bob', authenticated: true, carry: ['theme'] })
    expect(next.get('role')).toBeUndefined()
    expect(next.get('theme')).toBe('dark')
    expect(next.userId).toBe('bob')
  })

  it('keeps an anonymous visitor’s data at a first login', async () => {
    const { sessions } = setup()
    const s = await sessions.load({})
    s.set('cart', [1])
    await s.commit()
    const form = await sessions.load(cookie(tokenOf(s)))
    await form.regenerate({ userId: 'alice', authenticated: true })
    expect(form.get('cart')).toEqual([1])
  })
})

describe('a bounded memory store under a flood of pre-sessions (case 10)', () => {
  it('evicts anonymous sessions first, and reports every eviction', async () => {
    const { sessions, events } = setup({}, 3)
    const t1 = await login(sessions)
    for (let i = 0; i < 10; i++) {
      const anon = await sessions.load({})
      anon.ensure()
      await anon.commit()
    }
    expect(await alive(sessions, t1)).toBe(true)
    const evicted = events.filter((e) => e.type === 'session_evicted')
    expect(evicted).toHaveLength(8)
    expect(evicted.every((e) => e.userId === null)).toBe(true)
  })
})

describe('"end other sessions" while the current one renews', () => {
  it('keeps the caller’s session although it rotated after the caller read its id', async () => {
    const { sessions, clock, store } = setup(renewing)
    const mine = await login(sessions)
    await login(sessions)
    clock.advance(5 * MIN)
    const caller = await sessions.load(cookie(mine))
    const renewed = await renew(sessions, mine)
    expect(await sessions.revokeUser('u1', { except: caller })).toBe(1)
    expect(await alive(sessions, renewed)).toBe(true)
    expect(await store.listByUser('u1')).toHaveLength(1)
  })
})

describe('revocations name their actor (issue 13.10)', () => {
  it('puts the acting user, address and browser on every session_revoked event', async () => {
    const { sessions, events } = setup()
    await login(sessions)
    await login(sessions)
    const actor = { userId: 'admin1', ip: '198.51.100.4', userAgent: 'AdminBrowser/1' }
    expect(await sessions.revokeUser('u1', { reason: 'admin', actor })).toBe(2)
    const revoked = events.filter((e) => e.type === 'session_revoked')
    expect(revoked).toHaveLength(2)
    for (const e of revoked)
      expect(e).toMatchObject({
        userId: 'u1',
        reason: 'admin:admin1',
        ip: actor.ip,
        userAgent: actor.userAgent,
      })
  })
})

describe('cookies that can never work are cleared (issue 13.1)', () => {
  it('answers a malformed or duplicated cookie as anonymous with a clearing cookie', async () => {
    const { sessions } = setup()
    for (const header of ['__Host-sid=not-a-token', '__Host-sid=a; __Host-sid=b']) {
      const s = await sessions.load({ cookie: header })
      expect(s.exists).toBe(false)
      expect(s.setCookie).toMatch(/^__Host-sid=;.*Max-Age=0/)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import type { SessionEvent } from './events.js'
import { createSessions, type SessionManager } from './manager.js'
import type { SessionOptions } from './options.js'
import type { Session } from './session.js'
import type { SessionStore } from './store.js'
import { generateToken, hashToken } from './token.js'

const MIN = 60_000

function setup(options: Partial<SessionOptions> = {}) {
  const clock = manualClock()
  const store = memoryStore({ clock, quiet: true })
  const reads: string[] = []
  const writes: string[] = []
  // Count store traffic by wrapping the real memory store (not a mock: every call goes through).
  const counted: SessionStore = {
    ...store,
    get: (id) => {
      reads.push('get')
      return store.get(id)
    },
    getSync: (id) => {
      reads.push('get')
      return store.getSync(id)
    },
    create: (r, o) => {
      writes.push('create')
      return store.create(r, o)
    },
    update: (id, p) => {
      writes.push('update')
      return store.update(id, p)
    },
    destroy: (id) => {
      writes.push('destroy')
      return store.destroy(id)
    },
  }
  const sessions = createSessions({ store: counted, clock, ...options })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  return { clock, store, sessions, events, reads, writes }
}

const tokenOf = (s: Session) => /^__Host-sid=([^;]*)/.exec(s.setCookie ?? '')?.[1] ?? ''
const cookie = (token: string) => `__Host-sid=${token}`

async function login(sessions: SessionManager, userId = 'u1', extra: Record<string, string> = {}) {
  const s = await sessions.load({ ...extra })
  await s.regenerate({ userId, authenticated: true })
  await s.commit()
  return tokenOf(s)
}

describe('lazy creation', () => {
  it('stores nothing and sets no cookie for a visitor who writes nothing', async () => {
    const { sessions, store, writes } = setup()
    const s = await sessions.load({})
    expect(s.get('x')).toBeUndefined()
    await s.commit()
    expect(s.setCookie).toBeNull()
    expect(writes).toEqual([])
    expect(store.size).toBe(0)
  })

  it('creates the session on the first write, with a new random token in the cookie', async () => {
    const { sessions, store } = setup()
    const s = await sessions.load({})
    s.set('theme', 'dark')
    await s.commit()
    const token = tokenOf(s)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(store.size).toBe(1)
    const again = await sessions.load({ cookie: cookie(token) })
    expect(again.get('theme')).toBe('dark')
  })
})

describe('the store never holds a raw token', () => {
  it('keys the record by the token hash and stores the token nowhere', async () => {
    const { sessions, store } = setup()
    const token = await login(sessions)
    const dump = JSON.stringify(await store.listByUser('u1'))
    expect(dump).not.toContain(token)
    expect(dump).toContain(hashToken(token))
    expect(await store.get(token)).toBeNull()
  })
})

describe('timeouts are enforced on the server', () => {
  it('ends a session idle for longer than the idle timeout', async () => {
    const { sessions, clock, events } = setup({ idleTimeout: '30m' })
    const token = await login(sessions)
    clock.advance(30 * MIN)
    const s = await sessions.load({ cookie: cookie(token) })
    expect(s.exists).toBe(false)
    expect(s.setCookie).toMatch(/Max-Age=0/)
    expect(events.map((e) => [e.type, e.reason])).toContainEqual(['session_expired', 'idle'])
    expect(events.map((e) => e.type)).toContain('session_use_after_expire')
  })

  it('keeps an active session alive past the idle timeout, until the absolute timeout', async () => {
    const { sessions, clock, events } = setup({ idleTimeout: '30m', absoluteTimeout: '2h' })
    const token = await login(sessions)
    for (let t = 0; t < 119; t += 10) {
      clock.advance(10 * MIN)
      const s = await sessions.load({ cookie: cookie(token) })
      if (t + 10 >= 120) break
      expect(s.exists).toBe(true)
      await s.commit()
    }
    const s = await sessions.load({ cookie: cookie(token) })
    expect(s.exists).toBe(false)
    expect(events.find((e) => e.type === 'session_expired')?.reason).toBe('absolute')
  })

  it('never writes on a read-only request inside the touch window, and touches once after it', async () => {
    const { sessions, clock, writes, reads } = setup({ idleTimeout: '30m', touchInterval: '1m' })
    const token = await login(sessions)
    writes.length = 0
    reads.length = 0
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000)
      const s = await sessions.load({ cookie: cookie(token) })
      await s.commit()
      expect(s.setCookie).toBeNull()
    }
    expect(reads).toHaveLength(5)
    expect(writes).toEqual([])
    clock.advance(20_000)
    const s = await sessions.load({ cookie: cookie(token) })
    await s.commit()
    expect(writes).toEqual(['update'])
    // The session's view follows what it wrote.
    expect(s.record?.lastSeenAt).toBe(clock.now())
    const after = await sessions.load({ cookie: cookie(token) })
    expect(after.record?.lastSeenAt).toBe(clock.now())
    expect(after.record?.idleExpiresAt).toBe(clock.now() + 30 * MIN)
  })

  it('does not write unchanged data', async () => {
    const { sessions, writes } = setup()
    const token = await login(sessions)
    writes.length = 0
    const s = await sessions.load({ cookie: cookie(token) })
    s.get('anything')
    await s.commit()
    expect(writes).toEqual([])
  })
})

describe('regenerate', () => {
  it('issues a new token, keeps the data and kills the old token at once', async () => {
    const { sessions } = setup()
    const first = await sessions.load({})
    first.set('cart', ['apple'])
    await first.commit()
    const old = tokenOf(first)
    const s = await sessions.load({ cookie: cookie(old) })
    await s.regenerate({ userId: 'u1', authenticated: true })
    const fresh = tokenOf(s)
    expect(fresh).not.toBe(old)
    expect((await sessions.load({ cookie: cookie(old) })).exists).toBe(false)
    const now = await sessions.load({ cookie: cookie(fresh) })
    expect(now.get('cart')).toEqual(['apple'])
    expect(now.userId).toBe('u1')
    expect(now.isFresh()).toBe(true)
  })

  it('can drop the data', async () => {
    const { sessions } = setup()
    const s = await sessions.load({})
    s.set('a', 1)
    await s.commit()
    const again = await sessions.load({ cookie: cookie(tokenOf(s)) })
    await again.regenerate({ keepData: false })
    expect(again.get('a')).toBeUndefined()
  })

  it('gives a persistent cookie no longer than the absolute timeout for "remember me"', async () => {
    const { sessions } = setup({ absoluteTimeout: '12h' })
    const s = await sessions.load({})
    await s.regenerate({ userId: 'u1', persistent: true })
    expect(s.setCookie).toMatch(/; Max-Age=43200$/)
  })

  it('leaves no grace window after login: the old token is dead even within seconds', async () => {
    const { sessions, clock } = setup({ renewal: { interval: '5m', grace: '30s' } })
    const pre = await sessions.load({})
    pre.ensure()
    await pre.commit()
    const s = await sessions.load({ cookie: cookie(tokenOf(pre)) })
    await s.regenerate({ userId: 'u1' })
    clock.advance(1000)
    expect((await sessions.load({ cookie: cookie(tokenOf(pre)) })).exists).toBe(false)
  })
})

describe('periodic renewal', () => {
  it('rotates the token after the interval, and the old one resolves only inside the grace window', async () => {
    const { sessions, clock, events } = setup({ renewal: { interval: '5m', grace: '10s' } })
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const s = await sessions.load({ cookie: cookie(t1) })
    const t2 = tokenOf(s)
    expect(t2).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(t2).not.toBe(t1)
    await s.commit()
    expect(events.map((e) => e.type)).toContain('session_renewed')
    // A concurrent in-flight request that still carries the old token is not logged out…
    const inFlight = await sessions.load({ cookie: cookie(t1) })
    expect(inFlight.exists).toBe(true)
    expect(inFlight.handle).toBe(s.handle)
    expect((await sessions.load({ cookie: cookie(t2) })).exists).toBe(true)
    // …but after the grace window the old token is dead.
    clock.advance(10_001)
    expect((await sessions.load({ cookie: cookie(t1) })).exists).toBe(false)
    expect((await sessions.load({ cookie: cookie(t2) })).exists).toBe(true)
  })
})

describe('renewal races', () => {
  it('two concurrent requests at the renewal boundary leave one session, and only one rotates the cookie', async () => {
    const { sessions, clock, store } = setup({ renewal: { interval: '5m', grace: '10s' } })
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const [a, b] = await Promise.all([
      sessions.load({ cookie: cookie(t1) }),
      sessions.load({ cookie: cookie(t1) }),
    ])
    await Promise.all([a.commit(), b.commit()])
    const cookies = [a.setCookie, b.setCookie].filter(Boolean)
    expect(cookies).toHaveLength(1)
    expect(await store.listByUser('u1')).toHaveLength(1)
    expect((await sessions.load({ cookie: cookie(t1) })).exists).toBe(true)
  })

  it('a renewal never revives a session revoked while the request was in flight', async () => {
    const { sessions, clock, store } = setup({ renewal: { interval: '5m' } })
    const t1 = await login(sessions)
    clock.advance(5 * MIN)
    const s = await sessions.load({ cookie: cookie(t1) })
    await sessions.revokeUser('u1')
    await s.commit()
    // The session ended under the request: its response clears the cookie.
    expect(s.setCookie).toMatch(/Max-Age=0/)
    expect(s.exists).toBe(false)
    expect(await store.listByUser('u1')).toEqual([])
  })
})

describe('destroy', () => {
  it('deletes the record and queues a clearing cookie with the same attributes, Clear-Site-Data and no-store', async () => {
    const { sessions, store, events } = setup()
    const token = await login(sessions)
    const s = await sessions.load({ cookie: cookie(token) })
    await s.destroy()
    expect(s.setCookie).toBe(
      '__Host-sid=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    )
    expect(s.clearSiteData).toBe('"cache", "cookies", "storage"')
    expect(s.noStore).toBe(true)
    expect(s.exists).toBe(false)
    expect(store.size).toBe(0)
    expect((await sessions.load({ cookie: cookie(token) })).exists).toBe(false)
    expect(events.find((e) => e.type === 'session_logout')?.userId).toBe('u1')
  })

  it('refuses to regenerate a destroyed session', async () => {
    const { sessions } = setup()
    const s = await sessions.load({ cookie: cookie(await login(sessions)) })
    await s.destroy()
    expect(() => s.regenerate()).toThrow(expect.objectContaining({ code: 'ERR_SESSION_DESTROYED' }))
  })
})

describe('bad cookies are "no session", never an exception', () => {
  it('reports duplicates, malformed and unknown tokens as events without a store read for malformed ones', async () => {
    const { sessions, events, reads } = setup()
    const token = await login(sessions)
    reads.length = 0
    const dup = await sessions.load({ cookie: `${cookie(token)}; ${cookie(generateToken())}` })
    const bad = await sessions.load({ cookie: cookie('not-a-token') })
    const unknown = await sessions.load({ cookie: cookie(generateToken()) })
    expect([dup.exists, bad.exists, unknown.exists]).toEqual([false, false, false])
    expect(reads).toHaveLength(1)
    expect(events.slice(-3).map((e) => [e.type, e.level])).toEqual([
      ['session_cookie_duplicate', 'warn'],
      ['session_token_malformed', 'warn'],
      ['session_token_unknown', 'warn'],
    ])
    expect(JSON.stringify(events)).not.toContain(token)
  })
})

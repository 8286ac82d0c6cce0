import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { createSessions } from '../../src/core/manager.js'
import { type Backend, memoryBackend, type OpenStore } from './backends.js'
import type { RunningApp, ServeApp } from './contract.js'
import {
  faultyStore,
  markHeaders,
  type Reply,
  requireCsrfHeader,
  send,
  sessionCookie,
} from './fixtures.js'

const MINUTE = 60_000

/**
 * The behaviour every adapter must show, written once. Each case talks real HTTP to the
 * contract app served by one framework on a loopback port, over one store `backend` (the
 * memory store's synchronous reads by default; Redis and PostgreSQL take the async path).
 */
export function describeBehaviour(
  framework: string,
  serve: ServeApp,
  backend: Backend = memoryBackend,
): void {
  describe.runIf(backend.up)(`behaviour through ${framework} on ${backend.name}`, () => {
    // One store per block, so one clock per block: it only ever moves forward, which keeps
    // every case's sessions newer than the ones earlier cases left behind (the per-user cap
    // evicts those first). It starts at the real "now" because Redis expires keys at
    // absolute instants.
    const clock = manualClock(Date.now())
    let opened: OpenStore
    let faults: ReturnType<typeof faultyStore>
    let ran: string[]
    let app: RunningApp
    const get = (path: string, cookie?: string) => send(app.url, 'GET', path, { cookie })
    const post = (path: string, cookie?: string, body?: unknown, csrf = true) =>
      send(app.url, 'POST', path, { cookie, body, csrf })
    const login = async (userId = 'alice'): Promise<string> => {
      const reply = await post('/login', undefined, { userId })
      expect(reply.status).toBe(200)
      return sessionCookie(reply)
    }

    beforeAll(async () => {
      opened = await backend.open(clock)
    })
    afterAll(() => opened?.close())
    beforeEach(async () => {
      faults = faultyStore(opened.store)
      ran = []
      const sessions = createSessions({ store: faults.store, clock, idleTimeout: '30m' })
      app = await serve({
        sessions,
        plugins: [markHeaders, requireCsrfHeader],
        ran: (route) => ran.push(route),
      })
    })
    afterEach(() => app.close())

    it('login sets a __Host-sid cookie that is HttpOnly, Secure, SameSite=Lax, Path=/ and host-only', async () => {
      const reply = await post('/login', undefined, { userId: 'alice' })
      expect(reply.status).toBe(200)
      const sid = reply.setCookies.filter((c) => c.startsWith('__Host-sid='))
      expect(sid).toHaveLength(1)
      const attrs = sid[0]!.split(';').map((a) => a.trim().toLowerCase())
      expect(attrs).toEqual(
        expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/']),
      )
      expect(attrs.some((a) => a.startsWith('domain='))).toBe(false)
      expect(attrs.some((a) => a.startsWith('max-age=') || a.startsWith('expires='))).toBe(false)
      expect(reply.headers.get('cache-control')).toBe('no-store')
    })

    it('a request carrying the cookie reads the session and sees the loopback client IP', async () => {
      const cookie = await login('bob')
      const reply = await get('/me', cookie)
      expect(reply.status).toBe(200)
      expect(reply.body).toEqual({ userId: 'bob', note: null, ip: '127.0.0.1' })
    })

    it('a request without a cookie has no session and is given no cookie', async () => {
      const reply = await get('/me')
      expect(reply.status).toBe(401)
      expect(reply.setCookies).toEqual([])
      expect(faults.calls.create).toBe(0)
    })

    it('a written value persists to the next request', async () => {
      const cookie = await login()
      expect((await post('/write', cookie, { note: 'hello' })).status).toBe(200)
      expect((await get('/me', cookie)).body).toMatchObject({ note: 'hello' })
    })

    it('regenerate issues a new cookie and the old one is dead at once', async () => {
      const old = await login()
      await post('/write', old, { note: 'kept' })
      const reply = await post('/regenerate', old)
      const fresh = sessionCookie(reply)
      expect(fresh).not.toBe(old)
      expect((await get('/me', fresh)).body).toMatchObject({ userId: 'alice', note: 'kept' })
      expect((await get('/me', old)).status).toBe(401)
    })

    it('a session idle past its timeout is gone, and its stale cookie is cleared', async () => {
      const cookie = await login()
      clock.advance(31 * MINUTE)
      const reply = await get('/me', cookie)
      expect(reply.status).toBe(401)
      expect(reply.setCookies.some((c) => /^__Host-sid=;.*Max-Age=0/i.test(c))).toBe(true)
    })

    it('activity inside the idle timeout keeps the session alive', async () => {
      const cookie = await login()
      clock.advance(20 * MINUTE)
      expect((await get('/me', cookie)).status).toBe(200)
      clock.advance(20 * MINUTE)
      expect((await get('/me', cookie)).status).toBe(200)
    })

    it('logout clears the cookie with Clear-Site-Data and no-store, and the old cookie is dead', async () => {
      const cookie = await login()
      const reply = await post('/logout', cookie)
      expect(reply.status).toBe(200)
      const cleared = reply.setCookies.find((c) => c.startsWith('__Host-sid='))!
      expect(cleared).toMatch(/^__Host-sid=;/)
      expect(cleared).toMatch(/Max-Age=0/i)
      expect(cleared).toMatch(/HttpOnly/i)
      expect(cleared).toMatch(/Path=\//i)
      expect(reply.headers.get('clear-site-data')).toBe('"cache", "cookies", "storage"')
      expect(reply.headers.get('cache-control')).toBe('no-store')
      expect((await get('/me', cookie)).status).toBe(401)
    })

    it('a read-only request inside the touch window sends no Set-Cookie and writes nothing', async () => {
      const cookie = await login()
      const writes = faults.calls.create + faults.calls.update
      const reply = await get('/me', cookie)
      expect(reply.status).toBe(200)
      expect(reply.setCookies).toEqual([])
      expect(faults.calls.create + faults.calls.update).toBe(writes)
      expect(faults.calls.get).toBeGreaterThan(0)
    })

    it('duplicate session cookies mean no session', async () => {
      const cookie = await login()
      const other = await login('mallory')
      const reply = await get('/me', `${cookie}; ${other}`)
      expect(reply.status).toBe(401)
      expect((await get('/me', `${cookie}; ${cookie}`)).status).toBe(401)
    })

    it('a malformed session cookie means no session, never a server error', async () => {
      for (const cookie of ['__Host-sid=%%%', '__Host-sid=', `__Host-sid=${'a'.repeat(5000)}`]) {
        expect((await get('/me', cookie)).status).toBe(401)
      }
    })

    it('a store outage answers 503 without running the handler, and service resumes', async () => {
      const cookie = await login()
      ran = []
      faults.failing.add('get')
      const reply = await get('/me', cookie)
      expect(reply.status).toBe(503)
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/)
      expect(reply.body).toEqual({
        error: { code: 'ERR_STORE_UNAVAILABLE', message: 'service temporarily unavailable' },
      })
      expect(ran).toEqual([])
      faults.failing.clear()
      expect((await get('/me', cookie)).status).toBe(200)
    })

    it('a change the store could not save answers 503, not 200', async () => {
      const cookie = await login()
      faults.failing.add('update')
      const reply = await post('/write', cookie, { note: 'lost' })
      expect(reply.status).toBe(503)
      expect(reply.body).toMatchObject({ error: { code: 'ERR_STORE_UNAVAILABLE' } })
      faults.failing.clear()
      expect((await get('/me', cookie)).body).toMatchObject({ note: null })
    })

    it('header plugins reach 200, 404, 403 and 503 responses', async () => {
      const cookie = await login()
      const replies: Reply[] = [await get('/me', cookie), await get('/nowhere', cookie)]
      replies.push(await post('/write', cookie, { note: 'x' }, false))
      faults.failing.add('update')
      replies.push(await post('/write', cookie, { note: 'y' }))
      expect(replies.map((r) => r.status)).toEqual([200, 404, 403, 503])
      for (const r of replies) expect(r.headers.get('x-test-header')).toBe('on')
    })

    it('a refused request (CSRF) does not run the handler or change the session', async () => {
      const cookie = await login()
      ran = []
      const reply = await post('/write', cookie, { note: 'forged' }, false)
      expect(reply.status).toBe(403)
      expect(reply.body).toEqual({ error: { code: 'ERR_CSRF', message: 'request refused' } })
      expect(ran).toEqual([])
      expect((await get('/me', cookie)).body).toMatchObject({ note: null })
      const forgedLogin = await post('/login', undefined, { userId: 'eve' }, false)
      expect(forgedLogin.status).toBe(403)
      expect(forgedLogin.setCookies).toEqual([])
    })

    it('a login beyond the cap under reject-new answers 409 with no cookie, and the others stay', async () => {
      const capped = await serve({
        sessions: createSessions({
          store: opened.store,
          clock,
          maxSessionsPerUser: 2,
          limitPolicy: 'reject-new',
        }),
        plugins: [requireCsrfHeader],
        ran: () => {},
      })
      try {
        const userId = `capped-${Math.random().toString(36).slice(2)}`
        const login = () => send(capped.url, 'POST', '/login', { body: { userId } })
        const first = sessionCookie(await login())
        const second = sessionCookie(await login())
        const refused = await login()
        expect(refused.status).toBe(409)
        expect(refused.body).toMatchObject({ error: { code: 'ERR_SESSION_LIMIT' } })
        expect(refused.setCookies.filter((c) => c.startsWith('__Host-sid='))).toEqual([])
        for (const cookie of [first, second]) {
          expect((await send(capped.url, 'GET', '/me', { cookie })).body).toMatchObject({ userId })
        }
      } finally {
        await capped.close()
      }
    })
  })
}

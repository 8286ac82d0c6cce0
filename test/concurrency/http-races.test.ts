import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { CreateOptions, SessionStore } from '../../src/core/store.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { inspectRedis } from '../services/redis-inspect.js'
import { Holds } from './holds.js'
import { type Answer, send, type TinyApp, tinyApp } from './http-app.js'
import { LIMITS } from './world.js'

// Issue 12, cases 1 and 5, through real HTTP: two clients race through the node adapter with
// the CSRF plugin, on an async store. Each case runs pinned (a store call held so the race
// happens in a chosen order) and unpinned (both requests sent together, many rounds).

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const db = await testDatabase('http_races')
const ROUNDS = 25

const backends = [
  {
    name: 'Redis',
    up: redisUp,
    open: () => {
      const keyPrefix = `tessera-http-races:${randomBytes(4).toString('hex')}:`
      return {
        store: redisStore({ url: REDIS_URL, keyPrefix }) as SessionStore,
        cleanup: async () => {
          const redis = await inspectRedis([REDIS_URL])
          await redis.clear(keyPrefix)
          await redis.close()
        },
      }
    },
  },
  {
    name: 'PostgreSQL',
    up: db.up,
    open: (clock: ReturnType<typeof manualClock>) => ({
      store: db.store({ clock }) as SessionStore,
      cleanup: () => db.drop(),
    }),
  },
]

/** A periodic renewal's write (a replacement with a grace window). */
const isRenewal = (args: unknown[]) =>
  (args[1] as CreateOptions | undefined)?.graceUntil !== undefined

for (const b of backends) {
  describe.runIf(b.up)(`HTTP races through the node adapter on ${b.name}`, () => {
    // Real "now": Redis expires keys at absolute instants by its own clock.
    const clock = manualClock(Date.now())
    const holds = new Holds()
    let app: TinyApp
    let store: SessionStore
    let cleanup: () => Promise<void>
    beforeAll(async () => {
      const opened = b.open(clock)
      store = opened.store
      cleanup = opened.cleanup
      app = await tinyApp(holds.wrap(store), clock)
    })
    afterAll(async () => {
      await app?.close()
      await store?.close()
      await cleanup?.()
    })

    const get = (path: string, cookie: string | null) => send(app.port, 'GET', path, { cookie })
    const post = (path: string, cookie: string | null, csrf: string | null) =>
      send(app.port, 'POST', path, { cookie, csrf })
    const signIn = async () => {
      const a = await send(app.port, 'POST', '/login', {
        body: { user: `u-${randomBytes(4).toString('hex')}` },
      })
      expect(a.status).toBe(200)
      return { cookie: a.cookie!, csrf: a.body.csrfToken! }
    }
    /** The cookie a browser holds after these answers arrive in this order. */
    const jar = (start: string, ...answers: Answer[]) =>
      answers.reduce<string | null>((c, a) => (a.cookie === null ? c : a.cookie || null), start)
    const expectSignedOut = async (...cookies: (string | null)[]) => {
      for (const c of cookies) if (c) expect((await get('/me', c)).status).toBe(401)
    }

    describe('case 1: a logout during a periodic renewal', () => {
      it('logs out when it runs while the renewal is between its read and its write', async () => {
        const s = await signIn()
        clock.advance(LIMITS.renewalMs + 1000)
        const held = holds.next('create', isRenewal)
        const renewing = get('/me', s.cookie)
        await held.reached
        expect((await post('/logout', s.cookie, s.csrf)).status).toBe(200)
        held.release()
        const renewed = await renewing
        await expectSignedOut(s.cookie, renewed.cookie)
      })

      it('logs out when the renewal completes while the logout is between its read and its write', async () => {
        const s = await signIn()
        clock.advance(LIMITS.renewalMs + 1000)
        const held = holds.next(['destroy', 'destroyByHandle'])
        const logout = post('/logout', s.cookie, s.csrf)
        await held.reached
        const renewed = await get('/me', s.cookie)
        expect(renewed.status).toBe(200)
        expect(renewed.cookie).toBeTruthy()
        held.release()
        expect((await logout).status).toBe(200)
        await expectSignedOut(s.cookie, renewed.cookie)
      })

      it('logs out, with the old cookie, a session renewed just before', async () => {
        const s = await signIn()
        clock.advance(LIMITS.renewalMs + 1000)
        const renewed = await get('/me', s.cookie)
        expect(renewed.cookie).toBeTruthy()
        expect((await post('/logout', s.cookie, s.csrf)).status).toBe(200)
        await expectSignedOut(s.cookie, renewed.cookie)
      })

      it(`logs out in ${ROUNDS} rounds of a renewal and a logout sent together`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const s = await signIn()
          clock.advance(LIMITS.renewalMs + 1000)
          const [renewed, out] = await Promise.all([
            get('/me', s.cookie),
            post('/logout', s.cookie, s.csrf),
          ])
          expect(out.status).toBe(200)
          await expectSignedOut(s.cookie, renewed.cookie)
        }
      })
    })

    describe("case 5: a request with the old cookie in the renewal's grace window", () => {
      it("passes the CSRF check and leaves the page's tokens working", async () => {
        const s = await signIn()
        clock.advance(LIMITS.renewalMs + 1000)
        const renewed = await get('/me', s.cookie)
        expect(renewed.cookie).toBeTruthy()
        // A tab that has not seen the new cookie yet posts with the old one.
        const old = await post('/transfer', s.cookie, s.csrf)
        expect(old.status).toBe(200)
        const now = jar(s.cookie, renewed, old)
        expect((await post('/transfer', now, s.csrf)).status).toBe(200)
        expect((await post('/transfer', now, renewed.body.csrfToken!)).status).toBe(200)
        expect((await post('/logout', now, s.csrf)).status).toBe(200)
      })

      it('keeps them working when the old-cookie post runs inside the renewal', async () => {
        const s = await signIn()
        clock.advance(LIMITS.renewalMs + 1000)
        const held = holds.next('create', isRenewal)
        const renewing = get('/me', s.cookie)
        await held.reached
        const old = await post('/transfer', s.cookie, s.csrf)
        expect(old.status).toBe(200)
        held.release()
        const renewed = await renewing
        const now = jar(s.cookie, old, renewed)
        expect((await post('/transfer', now, s.csrf)).status).toBe(200)
        expect((await post('/logout', now, s.csrf)).status).toBe(200)
      })

      it(`keeps them working in ${ROUNDS} rounds of a renewal and an old-cookie post sent together`, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const s = await signIn()
          clock.advance(LIMITS.renewalMs + 1000)
          const [renewed, old] = await Promise.all([
            get('/me', s.cookie),
            post('/transfer', s.cookie, s.csrf),
          ])
          expect(renewed.status).toBe(200)
          expect(old.status).toBe(200)
          // Another tab still on the old cookie, inside the grace window.
          expect((await post('/transfer', s.cookie, s.csrf)).status).toBe(200)
          // Whichever answer the browser saw last, the page's token still works.
          for (const now of [jar(s.cookie, renewed, old), jar(s.cookie, old, renewed)])
            expect((await post('/transfer', now, s.csrf)).status).toBe(200)
        }
      })
    })
  })
}

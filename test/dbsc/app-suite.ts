import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionEvent } from 'tessera-session'
import type { SessionStore } from '../../src/core/store.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'
import { DbscClient, SessionKey } from './client.js'

const SESSION_COOKIE = '__Host-sid'

/** Signs `user` in and registers a DBSC session with a software key of `alg`. */
async function boundClient(url: string, alg: 'ES256' | 'RS256' = 'ES256', user = 'alice') {
  const api = new ApiClient(url, { 'user-agent': `dbsc-${alg}` })
  const login = await api.login(user)
  expect(login.status).toBe(200)
  const dbsc = new DbscClient(api, alg)
  const registered = await dbsc.register(login.headers.get('secure-session-registration'))
  return { api, dbsc, registered, offer: login.headers.get('secure-session-registration') }
}

/** Only the long-lived session cookie of `api`'s jar: what an infostealer copies and replays. */
function copiedSessionCookie(api: ApiClient): string {
  const pair = (api.cookie ?? '').split('; ').find((p) => p.startsWith(`${SESSION_COOKIE}=`))
  if (!pair) throw new Error('no session cookie')
  return pair
}

/**
 * Wraps a store so that a test can hold the next binding write (an `update` that sets `$dbsc`)
 * until it lets go: a refresh then loses its compare-and-set to whatever ran meanwhile.
 */
function holdable(store: SessionStore) {
  let armed = false
  let reached = (): void => {}
  let release = (): void => {}
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'update')
        return async (id: string, patch: { set?: Record<string, unknown> }) => {
          if (armed && patch.set?.$dbsc !== undefined) {
            armed = false
            const go = new Promise<void>((r) => {
              release = r
            })
            reached()
            await go
          }
          return target.update(id as never, patch as never)
        }
      const v = Reflect.get(target, key, target) as unknown
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  return {
    store: wrapped,
    /** Holds the next binding write; resolves once it is held, with the function that lets it go. */
    hold(): Promise<() => void> {
      armed = true
      return new Promise((r) => {
        reached = () => r(() => release())
      })
    },
  }
}

/**
 * The DBSC cases against the reference app on one store: a protocol client with software keys
 * registers, refreshes, and is refused where the draft and the issue say it must be.
 */
export function dbscAppSuite(name: string, open: () => Promise<SessionStore>, up = true): void {
  describe.runIf(up)(`DBSC against the reference app on ${name}`, () => {
    let running: RunningApp
    let gate: ReturnType<typeof holdable>
    const events: SessionEvent[] = []
    beforeAll(async () => {
      gate = holdable(await open())
      running = await startApp({}, { store: gate.store, scryptCost: 1024 })
      running.app.sessions.on((e) => events.push(e))
    })
    afterAll(async () => {
      await running?.close()
    })
    const since = (n: number) => events.slice(n)

    it('offers registration at sign-in and registers ES256 and RS256 keys', async () => {
      for (const alg of ['ES256', 'RS256'] as const) {
        const mark = events.length
        const { api, dbsc, registered } = await boundClient(running.url, alg)
        expect(registered.status).toBe(200)
        expect(registered.headers.get('cache-control')).toBe('no-store')
        const set = registered.headers.getSetCookie().find((c) => c.startsWith('__Host-dbsc='))!
        expect(set).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=600$/)
        const body = registered.body as { credentials: Array<{ attributes: string }> }
        expect(set).toContain(body.credentials[0]!.attributes)
        expect(dbsc.sessionId).toMatch(/^[A-Za-z0-9_-]{24}$/)
        expect(dbsc.challenge).not.toBeNull()
        expect(since(mark).map((e) => e.type)).toContain('dbsc_registered')
        const list = (await api.request('GET', '/api/sessions')).body as {
          sessions: Array<{ current: boolean; bound?: boolean }>
        }
        expect(list.sessions.find((s) => s.current)?.bound).toBe(true)
        const page = await api.request('GET', '/sessions', undefined, { accept: 'text/html' })
        expect(page.body).toContain('Bound to this device')
      }
    })

    it('refreshes: a bare refresh gets 403 with a challenge, the signed retry a new bound cookie', async () => {
      const { dbsc } = await boundClient(running.url)
      const first = await dbsc.refreshOnce(null)
      expect(first.status).toBe(403)
      expect(first.headers.get('secure-session-challenge')).toMatch(/^".+";id=".+"$/)
      const mark = events.length
      const done = await dbsc.refresh()
      expect(done.status).toBe(200)
      expect(done.headers.getSetCookie().some((c) => c.startsWith('__Host-dbsc='))).toBe(true)
      expect((done.body as { session_identifier: string }).session_identifier).toBe(dbsc.sessionId)
      expect(since(mark).map((e) => e.type)).toContain('dbsc_refreshed')
    })

    it('refuses a replayed challenge and a second registration of the same sign-in', async () => {
      const { api, dbsc, offer } = await boundClient(running.url)
      const used = dbsc.challenge
      expect((await dbsc.refreshOnce(used)).status).toBe(200)
      const replay = await dbsc.refreshOnce(used)
      expect(replay.status).toBe(403)
      expect(replay.headers.getSetCookie()).toEqual([])
      // The offer of this sign-in is spent once used, even with another key.
      const again = await new DbscClient(api).register(offer)
      expect(again.status).toBe(403)
      expect(again.headers.getSetCookie()).toEqual([])
    })

    it('consumes a challenge once when two refreshes race with it', async () => {
      const { dbsc } = await boundClient(running.url)
      const c = dbsc.challenge
      const [a, b] = await Promise.all([dbsc.refreshOnce(c), dbsc.refreshOnce(c)])
      expect([a.status, b.status].sort()).toEqual([200, 403])
    })

    it('refuses a proof made with another key, and raises the anomaly', async () => {
      const { dbsc } = await boundClient(running.url)
      const mark = events.length
      const wrong = await dbsc.refreshOnce(dbsc.challenge, new SessionKey('ES256'))
      expect(wrong.status).toBe(401)
      expect(wrong.headers.getSetCookie()).toEqual([])
      const seen = since(mark)
      expect(seen.some((e) => e.type === 'dbsc_refresh_failed' && e.reason === 'bad_proof')).toBe(
        true,
      )
      expect(seen.some((e) => e.type === 'session_anomaly' && e.level === 'critical')).toBe(true)
    })

    it('answers continue:false after logout and after revocation', async () => {
      const a = await boundClient(running.url)
      const out = await a.api.request('POST', '/api/logout', {})
      expect(out.headers.get('clear-site-data')).not.toBeNull()
      expect(out.headers.getSetCookie()).toContainEqual(
        expect.stringMatching(/^__Host-dbsc=;.*Max-Age=0/),
      )
      const afterLogout = await a.dbsc.refreshOnce(null)
      expect(afterLogout.status).toBe(200)
      expect(afterLogout.body).toEqual({ continue: false })

      const b = await boundClient(running.url)
      const other = new ApiClient(running.url)
      await other.login('alice')
      const list = (await other.request('GET', '/api/sessions')).body as {
        sessions: Array<{ handle: string; userAgent: string | null; current: boolean }>
      }
      const victim = list.sessions.find((s) => !s.current && s.userAgent === 'dbsc-ES256')!
      expect((await other.request('DELETE', `/api/sessions/${victim.handle}`)).status).toBe(200)
      const afterRevoke = await b.dbsc.refreshOnce(b.dbsc.challenge)
      expect(afterRevoke.body).toEqual({ continue: false })
      expect(afterRevoke.headers.getSetCookie().some((c) => c.startsWith('__Host-dbsc='))).toBe(
        false,
      )
    })

    it('refuses a copied session cookie without the bound cookie on a guarded route, with a critical anomaly', async () => {
      const { api } = await boundClient(running.url)
      const ok = await api.request('POST', '/api/transfer', { to: 'bob', amount: 1 })
      expect(ok.status).toBe(200)
      const thief = new ApiClient(running.url, { 'user-agent': 'elsewhere' })
      thief.cookie = copiedSessionCookie(api)
      thief.csrf = api.csrf
      const mark = events.length
      const stolen = await thief.request('POST', '/api/transfer', { to: 'bob', amount: 1 })
      expect(stolen.status).toBe(403)
      expect((stolen.body as { error: { code: string } }).error.code).toBe('ERR_DBSC_REQUIRED')
      const anomaly = since(mark).find((e) => e.type === 'session_anomaly')
      expect(anomaly).toMatchObject({ level: 'critical', reason: 'dbsc_missing', userId: 'u1' })
      // Ordinary routes still answer the copied cookie (the anomaly is the signal there).
      expect((await thief.request('GET', '/api/me')).status).toBe(200)
    })

    it('ends the binding on password change: the next refresh answers continue:false', async () => {
      const { api, dbsc } = await boundClient(running.url, 'ES256', 'bob')
      const changed = await api.request('POST', '/api/password', {
        currentPassword: 'tessera-demo',
        newPassword: 'tessera-demo',
      })
      expect(changed.status).toBe(200)
      expect((await dbsc.refreshOnce(dbsc.challenge)).body).toEqual({ continue: false })
      // The new sign-in epoch offers registration again.
      expect(changed.headers.get('secure-session-registration')).toMatch(/^\(ES256 RS256\);/)
    })

    it('offers registration on re-authentication of an unbound session, and keeps a binding across it', async () => {
      const plain = new ApiClient(running.url)
      await plain.login('alice')
      const re = await plain.request('POST', '/api/reauth', { password: 'tessera-demo' })
      expect(re.status).toBe(200)
      expect(re.headers.get('secure-session-registration')).toMatch(
        /^\(ES256 RS256\);path="\/dbsc\/register";challenge="/,
      )

      const { api, dbsc } = await boundClient(running.url)
      const again = await api.request('POST', '/api/reauth', { password: 'tessera-demo' })
      expect(again.status).toBe(200)
      expect(again.headers.get('secure-session-registration')).toBeNull()
      expect((await dbsc.refresh()).status).toBe(200)
      expect((await api.request('POST', '/api/transfer', { to: 'bob', amount: 1 })).status).toBe(
        200,
      )
    })

    it('a refresh that crosses a re-authentication keeps the binding (not continue:false)', async () => {
      const { api, dbsc } = await boundClient(running.url)
      const held = gate.hold()
      const refreshing = dbsc.refreshOnce(dbsc.challenge)
      const release = await held
      const re = await api.request('POST', '/api/reauth', { password: 'tessera-demo' })
      expect(re.status).toBe(200)
      release()
      const refreshed = await refreshing
      expect(refreshed.body).not.toEqual({ continue: false })
      expect(refreshed.status).toBe(200)
      expect((await api.request('POST', '/api/transfer', { to: 'bob', amount: 1 })).status).toBe(
        200,
      )
    })

    it('a refresh that crosses a logout ends with it', async () => {
      const { api, dbsc } = await boundClient(running.url)
      const held = gate.hold()
      const refreshing = dbsc.refreshOnce(dbsc.challenge)
      const release = await held
      expect((await api.request('POST', '/api/logout', {})).status).toBe(200)
      release()
      expect((await refreshing).body).toEqual({ continue: false })
      expect((await dbsc.refreshOnce(null)).body).toEqual({ continue: false })
    })

    it('lets sessions without DBSC do everything (unbound: allow)', async () => {
      const api = new ApiClient(running.url)
      await api.login('alice')
      expect((await api.request('POST', '/api/transfer', { to: 'bob', amount: 1 })).status).toBe(
        200,
      )
    })
  })
}

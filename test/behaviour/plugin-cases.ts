import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { createSessions } from '../../src/core/manager.js'
import { csrf } from '../../src/csrf/index.js'
import { securityHeaders } from '../../src/headers/index.js'
import { type Backend, memoryBackend, type OpenStore } from './backends.js'
import type { RunningApp, ServeApp } from './contract.js'
import { type Reply, send, sessionCookie } from './fixtures.js'

const ORIGIN = 'https://bank.example'

/**
 * The same contract app with Tessera's real `securityHeaders()` and `csrf()` plugins: proves
 * each adapter applies them (refusals stop the handler, headers reach every response).
 */
export function describePluginBehaviour(
  framework: string,
  serve: ServeApp,
  backend: Backend = memoryBackend,
): void {
  const title = `real csrf() and securityHeaders() through ${framework} on ${backend.name}`
  describe.runIf(backend.up)(title, () => {
    let opened: OpenStore
    let ran: string[]
    let app: RunningApp
    const post = (path: string, cookie: string | undefined, headers: Record<string, string>) =>
      send(app.url, 'POST', path, {
        cookie,
        body: { userId: 'alice', note: 'n' },
        csrf: false,
        headers,
      })
    // A pre-session and its CSRF token, as a login form would get them.
    const preSession = async (): Promise<{ cookie: string; token: string }> => {
      const reply = await send(app.url, 'GET', '/token')
      const { token } = reply.body as { token: string }
      expect(token).toEqual(expect.any(String))
      return { cookie: sessionCookie(reply), token }
    }

    beforeAll(async () => {
      opened = await backend.open(systemClock)
    })
    afterAll(() => opened?.close())
    beforeEach(async () => {
      ran = []
      const sessions = createSessions({ store: opened.store })
      const plugins = [securityHeaders(), csrf({ sessions, origins: [ORIGIN] })]
      app = await serve({ sessions, plugins, ran: (route) => ran.push(route) })
    })
    afterEach(() => app.close())

    it('a same-origin POST with the session token passes, and login regenerates the pre-session', async () => {
      const { cookie, token } = await preSession()
      const login = await post('/login', cookie, { origin: ORIGIN, 'x-csrf-token': token })
      expect(login.status).toBe(200)
      expect(sessionCookie(login)).not.toBe(cookie)
      expect(ran).toContain('/login')
    })

    it('a cross-site POST is refused with 403 and the handler does not run', async () => {
      const { cookie, token } = await preSession()
      ran = []
      const forged = await post('/login', cookie, {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'x-csrf-token': token,
      })
      expect(forged.status).toBe(403)
      expect(forged.body).toMatchObject({ error: { code: 'ERR_CSRF' } })
      expect(ran).toEqual([])
    })

    it('a POST without a token, or without a session, is refused', async () => {
      const { cookie } = await preSession()
      expect((await post('/write', cookie, { origin: ORIGIN })).status).toBe(403)
      expect(
        (await post('/login', undefined, { origin: ORIGIN, 'x-csrf-token': 'x' })).status,
      ).toBe(403)
      expect(ran).toEqual(['/token'])
    })

    it('security headers with a fresh CSP nonce reach 200, 404 and 403 responses', async () => {
      const { cookie } = await preSession()
      const replies: Reply[] = [
        await send(app.url, 'GET', '/token', { cookie }),
        await send(app.url, 'GET', '/nowhere', { cookie }),
        await post('/write', cookie, { origin: 'https://evil.example' }),
      ]
      expect(replies.map((r) => r.status)).toEqual([200, 404, 403])
      const nonces = new Set<string>()
      for (const r of replies) {
        expect(r.headers.get('x-content-type-options')).toBe('nosniff')
        const csp = r.headers.get('content-security-policy') ?? ''
        const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
        expect(nonce).toBeDefined()
        nonces.add(nonce!)
      }
      expect(nonces.size).toBe(3)
    })
  })
}

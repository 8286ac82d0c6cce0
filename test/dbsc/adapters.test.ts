import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { createSessions } from '../../src/core/manager.js'
import { createDbsc } from '../../src/dbsc/index.js'
import { BoundCookieMac } from '../../src/dbsc/macs.js'
import { BINDING_KEY, type Binding } from '../../src/dbsc/state.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import type { RunningApp } from '../behaviour/contract.js'
import { FRAMEWORKS } from '../behaviour/frameworks.js'
import { SessionKey } from './client.js'

const SECRET = 'adapters-secret-adapters-secret-!'

// The guard is a pipeline plugin, so every adapter enforces it the same way: a bound session's
// copied cookie is refused on a guarded route (the handler never runs), with its bound cookie
// it passes. The binding is written straight onto the record here (the endpoints have their own
// tests); the contract app's `/write` is the guarded route.
for (const [name, serve] of FRAMEWORKS) {
  describe(`the DBSC guard through ${name}`, () => {
    const clock = manualClock()
    const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
    const dbsc = createDbsc({ sessions, secret: SECRET, guard: { paths: ['/write'] } })
    const ran: string[] = []
    let app: RunningApp
    beforeAll(async () => {
      app = await serve({ sessions, plugins: [dbsc.plugin()], ran: (r) => ran.push(r) })
    })
    afterAll(async () => {
      await app?.close()
      await sessions.close()
    })

    async function boundCookies(): Promise<{ sid: string; bound: string }> {
      const res = await fetch(`${app.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: `user-${name}` }),
      })
      const sid = res.headers.getSetCookie()[0]!.split(';')[0]!
      // The sign-in response offers registration through every adapter.
      expect(res.headers.get('secure-session-registration')).toMatch(/^\(ES256 RS256\);path=/)
      const [record] = await sessions.storeCall((s) => s.listByUser(`user-${name}`))
      const binding: Binding = {
        id: 'binding-of-this-test-01',
        alg: 'ES256',
        jwk: new SessionKey('ES256').jwk as Binding['jwk'],
        epoch: record!.authenticatedAt!,
        at: clock.now(),
        c: null,
        p: null,
        n: null,
      }
      await sessions.updateRecord(record!.id, { set: { [BINDING_KEY]: binding } })
      const value = new BoundCookieMac(SECRET).value(binding.id, clock.now() + 60_000)
      return { sid, bound: `__Host-dbsc=${value}` }
    }

    const write = (cookie: string) =>
      fetch(`${app.url}/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ note: 'x' }),
      })

    it('refuses the session cookie alone and passes it with the bound cookie', async () => {
      const { sid, bound } = await boundCookies()
      ran.length = 0
      const copied = await write(sid)
      expect(copied.status).toBe(403)
      expect(((await copied.json()) as { error: { code: string } }).error.code).toBe(
        'ERR_DBSC_REQUIRED',
      )
      expect(ran).toEqual([])
      expect((await write(`${sid}; ${bound}`)).status).toBe(200)
      expect(ran).toEqual(['/write'])
    })
  })
}

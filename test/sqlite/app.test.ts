import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ApiClient, startApp } from '../helpers/client.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-app-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the reference app on STORE_URL=sqlite:', () => {
  it('keeps logged-in sessions across an app restart and revokes them by handle', async () => {
    const env = { STORE_URL: `sqlite:${join(dir, 'app.db')}` }
    let app = await startApp(env)
    const phone = new ApiClient(app.url, { 'user-agent': 'phone' })
    const laptop = new ApiClient(app.url, { 'user-agent': 'laptop' })
    expect((await phone.login('alice')).status).toBe(200)
    expect((await laptop.login('alice')).status).toBe(200)
    await app.close()

    // A new process-equivalent: a fresh app and store on the same file.
    app = await startApp(env)
    const moved = (c: ApiClient, ua: string) =>
      Object.assign(new ApiClient(app.url, { 'user-agent': ua }), {
        cookie: c.cookie,
        csrf: c.csrf,
      })
    const phone2 = moved(phone, 'phone')
    const laptop2 = moved(laptop, 'laptop')
    const me = await phone2.request('GET', '/api/me')
    expect(me.status).toBe(200)
    const list = await laptop2.request('GET', '/api/sessions')
    const sessions = (list.body as { sessions: { handle: string; current: boolean }[] }).sessions
    expect(sessions).toHaveLength(2)
    const other = sessions.find((s) => !s.current)!
    expect((await laptop2.request('DELETE', `/api/sessions/${other.handle}`)).status).toBe(200)
    expect((await phone2.request('GET', '/api/me')).status).toBe(401)
    expect((await laptop2.request('GET', '/api/me')).status).toBe(200)
    const health = await fetch(`${app.url}/healthz`)
    expect(health.status).toBe(200)
    await app.close()
  })
})

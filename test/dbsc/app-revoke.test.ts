// Ending *other* sessions from a bound session needs its bound cookie: with a copied session
// cookie, that is how a thief would lock the victim out. Ending one's own session does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'
import { DbscClient } from './client.js'

const SESSION_COOKIE = '__Host-sid'

/** `user` signed in (recently: fresh enough for revoke-others) and bound to a software key. */
async function boundClient(url: string, user: string, agent: string) {
  const api = new ApiClient(url, { 'user-agent': agent })
  const login = await api.login(user)
  expect(login.status).toBe(200)
  const dbsc = new DbscClient(api)
  expect((await dbsc.register(login.headers.get('secure-session-registration'))).status).toBe(200)
  return api
}

/** Another client holding only `victim`'s session cookie and CSRF token (what a stealer ships). */
function thiefOf(url: string, victim: ApiClient): ApiClient {
  const pair = (victim.cookie ?? '').split('; ').find((p) => p.startsWith(`${SESSION_COOKIE}=`))
  if (!pair) throw new Error('no session cookie')
  const thief = new ApiClient(url, { 'user-agent': 'elsewhere' })
  thief.cookie = pair
  thief.csrf = victim.csrf
  return thief
}

/** Posts a page form (`csrf` field) with `client`'s cookies. */
async function postForm(url: string, client: ApiClient, path: string) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      cookie: client.cookie ?? '',
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
    body: new URLSearchParams({ csrf: client.csrf ?? '' }).toString(),
    redirect: 'manual',
  })
  await res.text()
  return res.status
}

type Row = { handle: string; current: boolean; userAgent: string | null }
async function sessionsOf(api: ApiClient): Promise<Row[]> {
  return ((await api.request('GET', '/api/sessions')).body as { sessions: Row[] }).sessions
}

describe('DBSC guard on the reference app’s session-ending routes', () => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp({}, { scryptCost: 1024 })
  })
  afterAll(async () => {
    await running?.close()
  })

  it('refuses a copied cookie ending the victim’s other sessions, and lets the browser do it', async () => {
    const url = running.url
    const victim = await boundClient(url, 'alice', 'victim-browser')
    const phone = new ApiClient(url, { 'user-agent': 'victim-phone' })
    await phone.login('alice')
    const phoneHandle = (await sessionsOf(phone)).find((s) => s.current)!.handle
    const thief = thiefOf(url, victim)

    const api = await thief.request('POST', '/api/sessions/revoke-others', {})
    expect([api.status, (api.body as { error: { code: string } }).error.code]).toEqual([
      403,
      'ERR_DBSC_REQUIRED',
    ])
    expect((await thief.request('DELETE', `/api/sessions/${phoneHandle}`)).status).toBe(403)
    expect(await postForm(url, thief, '/sessions/revoke-others')).toBe(403)
    expect(await postForm(url, thief, `/sessions/${phoneHandle}/revoke`)).toBe(403)
    expect((await phone.request('GET', '/api/me')).status).toBe(200)

    // The victim's browser, with its bound cookie, can.
    expect((await victim.request('DELETE', `/api/sessions/${phoneHandle}`)).status).toBe(200)
    expect((await phone.request('GET', '/api/me')).status).toBe(401)
    // And a copied cookie can still end its own session (a logout, which it could do anyway).
    const own = (await sessionsOf(victim)).find((s) => s.current)!.handle
    expect((await thief.request('DELETE', `/api/sessions/${own}`)).status).toBe(200)
    expect((await victim.request('GET', '/api/me')).status).toBe(401)
  })

  it('refuses a copied admin cookie ending a user’s sessions', async () => {
    const url = running.url
    const admin = await boundClient(url, 'admin', 'admin-browser')
    const user = new ApiClient(url)
    await user.login('bob')
    const thief = thiefOf(url, admin)
    expect((await thief.request('POST', '/api/admin/users/u2/revoke-sessions', {})).status).toBe(
      403,
    )
    expect(await postForm(url, thief, '/admin/users/u2/revoke-sessions')).toBe(403)
    expect((await user.request('GET', '/api/me')).status).toBe(200)
    const done = await admin.request('POST', '/api/admin/users/u2/revoke-sessions', {})
    expect(done.status).toBe(200)
    expect((await user.request('GET', '/api/me')).status).toBe(401)
  })

  it('lets unbound sessions end other sessions as before', async () => {
    const url = running.url
    const laptop = new ApiClient(url)
    await laptop.login('bob')
    const tablet = new ApiClient(url)
    await tablet.login('bob')
    const handle = (await sessionsOf(tablet)).find((s) => s.current)!.handle
    expect((await laptop.request('DELETE', `/api/sessions/${handle}`)).status).toBe(200)
    expect((await laptop.request('POST', '/api/sessions/revoke-others', {})).status).toBe(200)
  })
})

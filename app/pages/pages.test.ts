import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from '../../test/helpers/client.js'

let running: RunningApp
beforeAll(async () => {
  running = await startApp()
})
afterAll(async () => {
  await running.close()
})

/** A browser-like client: one cookie jar, HTML accepted, redirects not followed. */
class Browser {
  cookie: string | null = null
  constructor(readonly base: string) {}

  async send(method: string, path: string, form?: Record<string, string>, headers = {}) {
    const h: Record<string, string> = { accept: 'text/html', ...headers }
    if (this.cookie) h.cookie = this.cookie
    if (form) h['content-type'] = 'application/x-www-form-urlencoded'
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!
      this.cookie = /Max-Age=0/.test(c) ? null : pair
    }
    return {
      res,
      status: res.status,
      body: await res.text(),
      location: res.headers.get('location'),
    }
  }
  get = (path: string) => this.send('GET', path)
  post = (path: string, form: Record<string, string>, headers = {}) =>
    this.send('POST', path, form, headers)

  /** The `csrf` field of the first form on a page. */
  async token(path: string): Promise<string> {
    const { body } = await this.get(path)
    const m = /name="csrf" value="([^"]+)"/.exec(body)
    if (!m) throw new Error(`no csrf field on ${path}`)
    return m[1]!
  }

  async logIn(username = 'alice', password = 'tessera-demo') {
    const csrf = await this.token('/login')
    return this.post('/login', { username, password, csrf })
  }
}

describe('the HTML pages over HTTP', () => {
  it('serves the public home page without starting a session', async () => {
    const b = new Browser(running.url)
    const { status, body, res } = await b.get('/')
    expect(status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(body).toContain('href="/login"')
    expect(body).not.toMatch(/<script/i)
  })

  it('sends signed-out visitors of private pages to /login, and stale cookies with a notice', async () => {
    for (const path of ['/account', '/sessions', '/security', '/admin']) {
      const r = await new Browser(running.url).get(path)
      expect([r.status, r.location]).toEqual([303, '/login'])
    }
    const stale = new Browser(running.url)
    stale.cookie = `__Host-sid=${'A'.repeat(43)}`
    expect((await stale.get('/account')).location).toBe('/login?ok=expired')
  })

  it('logs in with the form (303 to /account, a new cookie) and shows the balance', async () => {
    const b = new Browser(running.url)
    const csrf = await b.token('/login')
    const pre = b.cookie
    // Before login only the pre-login nonce cookie: nothing is stored for the visitor.
    expect(pre).toMatch(/^__Host-sid-csrf=[\w-]{43}$/)
    const r = await b.post('/login', { username: 'alice', password: 'tessera-demo', csrf })
    expect([r.status, r.location]).toEqual([303, '/account'])
    expect(b.cookie).not.toBe(pre)
    const account = await b.get('/account')
    expect(account.status).toBe(200)
    expect(account.res.headers.get('cache-control')).toBe('no-store')
    expect(account.body).toContain('id="balance"')
    expect(account.body).toContain('action="/logout"')
  })

  it('re-renders the login form with a 401 and the username escaped on bad credentials', async () => {
    const b = new Browser(running.url)
    const r = await b.logIn('<b>"x"</b>', 'nope')
    expect(r.status).toBe(401)
    expect(r.body).toContain('value="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"')
    expect(r.body).toContain('Invalid username or password')
    expect(r.body).not.toContain('<b>"x"')
  })

  it('refuses form posts without a token, with an altered one, or with another session’s, as 403 HTML', async () => {
    const victim = new Browser(running.url)
    await victim.logIn('bob')
    const other = new Browser(running.url)
    const foreign = await other.token('/login')
    const good = await victim.token('/account')
    const altered = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA')
    const before = (await victim.get('/account')).body.match(/id="balance">([^<]+)</)![1]
    for (const csrf of [undefined, '', altered, foreign]) {
      const form: Record<string, string> = { to: 'alice', amount: '5' }
      if (csrf !== undefined) form.csrf = csrf
      const r = await victim.post('/account/transfer', form)
      expect(r.status).toBe(403)
      expect(r.res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(r.body).toContain('ERR_CSRF')
    }
    // Only in the query string: not accepted.
    const q = await victim.send('POST', `/account/transfer?csrf=${encodeURIComponent(good)}`, {
      to: 'alice',
      amount: '5',
    })
    expect(q.status).toBe(403)
    const after = (await victim.get('/account')).body.match(/id="balance">([^<]+)</)![1]
    expect(after).toBe(before)
  })

  it('moves money with a valid token (303) and re-renders the form with 400 on bad input', async () => {
    const b = new Browser(running.url)
    await b.logIn('bob')
    const ok = await b.post('/account/transfer', {
      to: 'alice',
      amount: '1.25',
      csrf: await b.token('/account'),
    })
    expect([ok.status, ok.location]).toEqual([303, '/account?ok=transfer'])
    const bad = await b.post('/account/transfer', {
      to: '"><script>',
      amount: 'x',
      csrf: await b.token('/account'),
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toContain('value="&quot;&gt;&lt;script&gt;"')
    expect(bad.body).toContain('class="flash error"')
  })

  it('revokes only your own sessions: another user’s handle is a 404 page', async () => {
    const alice = new Browser(running.url)
    const bob = new Browser(running.url)
    await alice.logIn('alice')
    await bob.logIn('bob')
    const bobsHandle = /data-handle="([^"]+)"/.exec((await bob.get('/sessions')).body)![1]!
    const r = await alice.post(`/sessions/${bobsHandle}/revoke`, {
      csrf: await alice.token('/sessions'),
    })
    expect(r.status).toBe(404)
    expect(r.body).toContain('Page not found')
    expect((await bob.get('/account')).status).toBe(200)
  })

  it('changes the password, ending every other session, and the old password stops working', async () => {
    const a1 = new Browser(running.url)
    const a2 = new Browser(running.url)
    await a1.logIn('admin')
    await a2.logIn('admin')
    const r = await a1.post('/security/password', {
      currentPassword: 'tessera-demo',
      newPassword: 'a-new-long-password',
      csrf: await a1.token('/security'),
    })
    expect([r.status, r.location]).toEqual([303, '/security?ok=password'])
    expect((await a2.get('/account')).location).toBe('/login?ok=expired')
    expect((await a1.get('/account')).status).toBe(200)
    expect((await new Browser(running.url).logIn('admin')).status).toBe(401)
    expect((await new Browser(running.url).logIn('admin', 'a-new-long-password')).status).toBe(303)
  })

  it('shows admins the users, a user’s sessions and the audit log, and lets them end sessions', async () => {
    const admin = new Browser(running.url)
    const user = new Browser(running.url)
    await user.logIn('alice')
    expect((await user.get('/admin')).status).toBe(403)
    await admin.logIn('admin', 'a-new-long-password')
    const page = await admin.get('/admin?user=u1&type=authn_login_success')
    expect(page.status).toBe(200)
    expect(page.body).toContain('Sessions of alice')
    expect(page.body).toContain('<code>authn_login_success</code>')
    expect(page.body).not.toContain('<code>session_revoked</code>')
    const r = await admin.post('/admin/users/u1/revoke-sessions', {
      csrf: await admin.token('/admin'),
    })
    expect([r.status, r.location]).toEqual([303, '/admin?user=u1&ok=admin-revoked'])
    expect((await user.get('/account')).status).toBe(303)
    const nobody = await admin.post('/admin/users/nope/revoke-sessions', {
      csrf: await admin.token('/admin'),
    })
    expect(nobody.status).toBe(404)
  })

  it('ignores unknown flash codes and never reflects them', async () => {
    const r = await new Browser(running.url).get('/login?ok=%3Cscript%3Ealert(1)%3C/script%3E')
    expect(r.body).not.toContain('class="flash')
    expect(r.body).not.toContain('alert(1)')
  })

  it('answers unknown paths with an HTML 404 for browsers and JSON for the API', async () => {
    const page = await new Browser(running.url).get('/nope')
    expect(page.status).toBe(404)
    expect(page.res.headers.get('content-type')).toContain('text/html')
    expect(page.res.headers.get('content-security-policy')).toContain("'nonce-")
    const api = await fetch(`${running.url}/api/nope`, { headers: { accept: 'text/html' } })
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } })
  })
})

describe('the static stylesheet', () => {
  it('is cached for a year at its versioned URL and revalidated otherwise', async () => {
    const home = await (await fetch(`${running.url}/`)).text()
    const href = /href="(\/static\/app\.css\?v=[^"]+)"/.exec(home)![1]!
    const versioned = await fetch(running.url + href)
    expect(versioned.status).toBe(200)
    expect(versioned.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(versioned.headers.get('x-content-type-options')).toBe('nosniff')
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const plain = await fetch(`${running.url}/static/app.css`)
    expect(plain.headers.get('cache-control')).toBe('public, no-cache')
    const etag = plain.headers.get('etag')!
    const again = await fetch(`${running.url}/static/app.css`, {
      headers: { 'if-none-match': etag },
    })
    expect(again.status).toBe(304)
  })

  it('never touches the session, and serves nothing outside its fixed list', async () => {
    const b = new Browser(running.url)
    await b.logIn('bob')
    const css = await fetch(`${running.url}/static/app.css`, { headers: { cookie: b.cookie! } })
    expect(css.headers.get('set-cookie')).toBeNull()
    expect(css.headers.get('cache-control')).toBe('public, no-cache')
    for (const path of ['/static/../package.json', '/static/serve.ts', '/static/app.css/']) {
      expect((await fetch(running.url + path)).status).toBe(404)
    }
  })
})

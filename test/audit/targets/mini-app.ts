// A tiny session app on node:http that does everything the auditor checks correctly, unless a
// flaw is switched on. Each flawed target in this folder is this app with one flaw, so a test
// can show the auditor fails exactly the checks that flaw breaks and no other.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tokenRoutes } from './mini-tokens.js'

/** The deliberate flaws a mini app can carry. */
export type Flaw =
  | 'none'
  | 'no-regenerate' // login keeps the (pre-login) session ID
  | 'logout-cookie-only' // logout clears the cookie but the server keeps the session
  | 'idle-cookie-only' // the idle timeout is only the cookie's Max-Age
  | 'csrf-trusts-missing-origin' // no Origin header: no CSRF check at all
  | 'jwt-no-revocation' // stateless tokens: logout, revoke and password change cannot end them
  | 'renewal-keeps-old' // periodic rotation whose old ID keeps working after the grace window

/** The test profile every mini app runs with (the targets declare the same). */
export const MINI_POLICY = { idleMs: 2000, absoluteMs: 5000, maxPerUser: 3, refreshWindowMs: 300 }

interface Sess {
  user: string | null
  csrf: string
  handle: string
  created: number
  seen: number
  renewed: number
}

export interface MiniApp {
  url: string
  close(): Promise<void>
}

const USERS: Record<string, string> = { alice: 'alice-pass', bob: 'bob-pass' }
const NAME = '__Host-sid'
const id = () => randomBytes(32).toString('base64url')

/** Starts a mini app with `flaw` on a free loopback port. */
export async function startMiniApp(
  flaw: Flaw = 'none',
  renewal: { intervalMs: number; graceMs: number } | null = null,
): Promise<MiniApp> {
  const sessions = new Map<string, Sess>()
  const aliases = new Map<string, { sid: string; until: number }>() // rotated-away ID → current
  const P = MINI_POLICY
  let origin = ''
  const cookie = (sid: string) =>
    `${NAME}=${sid}; Path=/; HttpOnly; Secure; SameSite=Lax${flaw === 'idle-cookie-only' ? `; Max-Age=${P.idleMs / 1000}` : ''}`
  const clearing = `${NAME}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`

  function current(req: IncomingMessage, res: ServerResponse): [string, Sess] | null {
    const values = (req.headers.cookie ?? '')
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p.startsWith(`${NAME}=`))
    if (values.length !== 1) return null // none, or tossed duplicates: no session
    let sid = values[0]!.slice(NAME.length + 1)
    const now = Date.now()
    const alias = aliases.get(sid)
    if (alias && (flaw === 'renewal-keeps-old' || now < alias.until)) sid = alias.sid
    const s = sessions.get(sid)
    if (!s) return null
    const idle = flaw !== 'idle-cookie-only' && now - s.seen > P.idleMs
    if (idle || now - s.created > P.absoluteMs) {
      sessions.delete(sid)
      return null
    }
    s.seen = now
    if (renewal && s.user && now - s.renewed > renewal.intervalMs) {
      // Periodic rotation: a new ID; the old one resolves to it for the grace window only.
      const next = id()
      sessions.delete(sid)
      sessions.set(next, s)
      s.renewed = now
      for (const a of aliases.values()) if (a.sid === sid) a.sid = next
      aliases.set(sid, { sid: next, until: now + renewal.graceMs })
      res.appendHeader('set-cookie', cookie(next))
      sid = next
    }
    return [sid, s]
  }
  function create(res: ServerResponse, user: string | null): [string, Sess] {
    const sid = id()
    const s = {
      user,
      csrf: id(),
      handle: randomBytes(16).toString('base64url'),
      created: Date.now(),
      seen: Date.now(),
      renewed: Date.now(),
    }
    sessions.set(sid, s)
    res.appendHeader('set-cookie', cookie(sid))
    if (user) cap(user)
    return [sid, s]
  }
  function cap(user: string): void {
    const mine = [...sessions]
      .filter(([, x]) => x.user === user)
      .sort((a, b) => a[1].created - b[1].created)
    while (mine.length > P.maxPerUser) sessions.delete(mine.shift()![0])
  }
  function csrfOk(req: IncomingMessage, s: Sess | null): boolean {
    const o = req.headers.origin
    if (flaw === 'csrf-trusts-missing-origin' && o === undefined) return true
    if (req.headers['sec-fetch-site'] === 'cross-site') return false
    if (o !== undefined && o !== origin) return false
    return s !== null && req.headers['x-csrf-token'] === s.csrf
  }
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  const tokens = tokenRoutes(flaw === 'jwt-no-revocation', P.refreshWindowMs, USERS)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x')
    const route = `${req.method} ${url.pathname}`
    let raw = ''
    for await (const chunk of req) raw += chunk
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(raw || '{}')
    } catch {}
    if (await tokens.handle(route, req, body, send, res)) return
    let cur = current(req, res)
    const unsafe = req.method !== 'GET'
    const exempt = route === 'POST /api/login' || (route === 'POST /api/logout' && !cur)
    if (unsafe && !exempt && !csrfOk(req, cur?.[1] ?? null))
      return send(res, 403, { error: 'csrf' })
    const user = cur?.[1].user ?? null
    switch (route) {
      case 'GET /api/csrf':
        if (!cur && flaw === 'no-regenerate') cur = create(res, null)
        return send(res, 200, { csrfToken: cur ? cur[1].csrf : id() })
      case 'POST /api/login': {
        const name = String(body.username)
        if (USERS[name] !== body.password) return send(res, 401, { error: 'credentials' })
        if (flaw === 'no-regenerate' && cur) {
          cur[1].user = name
          cap(name)
        } else {
          if (cur) sessions.delete(cur[0])
          cur = create(res, name)
        }
        return send(res, 200, { csrfToken: cur[1].csrf })
      }
      case 'POST /api/logout':
        if (cur && flaw !== 'logout-cookie-only') sessions.delete(cur[0])
        res.setHeader('set-cookie', clearing)
        res.setHeader('clear-site-data', '"cache", "cookies", "storage"')
        return send(res, 200, { ok: true })
    }
    const bearer = await tokens.bearer(req)
    if (route === 'GET /api/me' && (user || bearer))
      return send(res, 200, { username: user ?? bearer })
    if (!cur || !user) return send(res, 401, { error: 'signed out' })
    const [sid, s] = cur
    switch (route) {
      case 'POST /api/transfer':
        return send(res, 200, { ok: true })
      case 'POST /api/reauth': {
        if (USERS[user] !== body.password) return send(res, 401, { error: 'credentials' })
        sessions.delete(sid)
        return send(res, 200, { csrfToken: create(res, user)[1].csrf })
      }
      case 'GET /api/sessions':
        return send(res, 200, {
          sessions: [...sessions.values()]
            .filter((x) => x.user === user)
            .map((x) => ({ handle: x.handle, current: x === s })),
        })
      case 'POST /api/sessions/revoke-others':
      case 'POST /api/password':
        if (route === 'POST /api/password' && USERS[user] !== body.currentPassword)
          return send(res, 401, {})
        for (const [k, x] of sessions) if (x.user === user && k !== sid) sessions.delete(k)
        tokens.revokeUser(user)
        return send(res, 200, { ok: true })
      case 'GET /account': {
        const nonce = randomBytes(16).toString('base64')
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': `script-src 'nonce-${nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'`,
        })
        return void res.end(`<p>Signed in as ${user}</p><script nonce="${nonce}"></script>`)
      }
    }
    if (req.method === 'DELETE' && url.pathname.startsWith('/api/sessions/')) {
      const h = decodeURIComponent(url.pathname.slice('/api/sessions/'.length))
      const hit = [...sessions].find(([, x]) => x.user === user && x.handle === h)
      if (!hit) return send(res, 404, {})
      sessions.delete(hit[0])
      return send(res, 200, { ok: true })
    }
    send(res, 404, { error: 'not found' })
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 400, { error: 'bad request' }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  origin = url
  return {
    url,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

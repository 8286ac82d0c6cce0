// express-session with its defaults (connect.sid, MemoryStore, no cookie flags beyond
// HttpOnly, no timeouts) and the login most tutorials show: `sess(req).user = name`, without
// `req.session.regenerate()`. Everything else (CSRF token, logout with destroy) is done right,
// so the audit's failures are the defaults' and the missing regeneration's.
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import session from 'express-session'

// This repository's Express adapter types `req.session` as a Tessera session; here it is
// express-session's, so it is reached through this cast.
type ExpressSession = session.Session & { user?: string; csrf?: string }
const sess = (req: express.Request) => req.session as unknown as ExpressSession

const USERS: Record<string, string> = { alice: 'alice-pass', bob: 'bob-pass' }

/** Starts the app on a free loopback port. */
export async function startExpressDefaults(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express()
  let origin = ''
  // resave and saveUninitialized at their documented defaults, written out only to silence
  // express-session's deprecation warning.
  app.use(
    session({ secret: randomBytes(32).toString('hex'), resave: true, saveUninitialized: true }),
  )
  app.use(express.json())
  app.use((req, res, next) => {
    res.set('cache-control', 'no-store')
    if (req.method === 'GET') return next()
    const o = req.get('origin')
    const token = req.get('x-csrf-token')
    const ok = req.get('sec-fetch-site') !== 'cross-site' && (o === undefined || o === origin)
    if (req.path === '/api/login' || (ok && token !== undefined && token === sess(req).csrf))
      return next()
    res.status(403).json({ error: 'csrf' })
  })
  app.get('/api/csrf', (req, res) => {
    sess(req).csrf ??= randomBytes(32).toString('base64url')
    res.json({ csrfToken: sess(req).csrf })
  })
  app.post('/api/login', (req, res) => {
    const { username, password } = req.body ?? {}
    if (typeof username !== 'string' || USERS[username] !== password)
      return void res.status(401).json({})
    sess(req).user = username // the flaw: no req.session.regenerate()
    sess(req).csrf ??= randomBytes(32).toString('base64url')
    res.json({ csrfToken: sess(req).csrf })
  })
  app.post('/api/logout', (req, res) => {
    sess(req).destroy(() => {
      res.clearCookie('connect.sid', { path: '/' })
      res.json({ ok: true })
    })
  })
  app.get('/api/me', (req, res) => {
    if (!sess(req).user) return void res.status(401).json({})
    res.json({ username: sess(req).user })
  })
  app.post('/api/transfer', (req, res) => {
    if (!sess(req).user) return void res.status(401).json({})
    res.json({ ok: true })
  })
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
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

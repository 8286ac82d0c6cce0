// Tessera on node:http (nodeHandler). Routes: POST /login[?u=id] (session creation, cap
// enforced), GET|POST /me (authenticated read), GET /csrf (the session's CSRF token, as the
// reference app's /api/csrf gives it; the harness asks it once per seeded session).
// STORE, PLUGINS and MONITORING select the set-up (see setup.ts).
import { createServer } from 'node:http'
import { nodeHandler, type SessionRequest } from 'tessera-session/node'
import { listen, publishOps } from '../serve.mjs'
import { benchSessions, loginUser } from './setup.js'

const { sessions, plugins, counts } = await benchSessions()

const handler = nodeHandler(
  sessions,
  async (req: SessionRequest, res) => {
    res.setHeader('content-type', 'application/json')
    const { path, query } = req.tessera.input
    if (req.method === 'POST' && path === '/login') {
      const user = loginUser(query)
      req.session.set('user', user)
      await req.session.regenerate({ userId: user.id, authenticated: true })
      const csrf = req.tessera.locals.csrfToken?.()
      return res.end(JSON.stringify({ headers: csrf ? { 'x-csrf-token': csrf } : {} }))
    }
    const user = req.session.get('user')
    if (req.method === 'GET' && path === '/csrf' && user) {
      const csrfToken = req.tessera.locals.csrfToken?.()
      if (csrfToken) return res.end(JSON.stringify({ csrfToken }))
    }
    if (path === '/me' && user) return res.end(JSON.stringify({ user }))
    res.statusCode = 401
    return res.end('{}')
  },
  { plugins },
)

publishOps(counts)
listen(createServer(handler))

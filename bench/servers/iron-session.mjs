// Peer: iron-session 8 (sealed stateless cookie) on node:http, default options.
import { createServer } from 'node:http'
import { listen, nextLoginUser, skip, USER } from './serve.mjs'

const { getIronSession } = await import('iron-session').catch(() => skip('iron-session missing'))
const options = {
  password: 'bench-password-bench-password-bench-password',
  cookieName: 'iron',
  cookieOptions: { secure: false },
}
listen(
  createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json')
    const session = await getIronSession(req, res, options)
    if (req.method === 'POST' && req.url?.startsWith('/login')) {
      const u = new URL(req.url, 'http://x').searchParams.get('u')
      session.user = { ...USER, id: u ?? nextLoginUser() }
      await session.save()
      return res.end('{"headers":{}}')
    }
    if (req.url === '/me' && session.user) return res.end(JSON.stringify({ user: session.user }))
    res.statusCode = 401
    res.end('{}')
  }),
)

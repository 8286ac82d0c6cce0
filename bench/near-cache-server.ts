// A node:http server for the near cache's read-CPU benchmark (run by bench/near-cache.ts under
// tsx). STORE = memory | redis | redis-nc | postgres | postgres-nc. It signs in SESSIONS users
// at start-up, prints `READY <port> <cookies joined by \t>`, then answers GET /me (an
// authenticated read, the same handler as bench/servers/tessera/node.ts) until SIGTERM.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { createSessions, type SessionStore } from 'tessera-session'
import { nodeHandler, type SessionRequest } from 'tessera-session/node'
import { memoryStore } from 'tessera-session/stores/memory'
import { postgresStore } from 'tessera-session/stores/postgres'
import { nearCacheStats, redisStore } from 'tessera-session/stores/redis'
import { cleanUp } from './near-cache-lib.js'

const kind = process.env.STORE ?? 'memory'
const near = kind.endsWith('-nc')
const tag = `ncbench${process.pid}${randomBytes(2).toString('hex')}`
let up: Promise<void> = Promise.resolve()
let markUp = () => {}
if (near) up = new Promise((resolve) => (markUp = resolve))
const nearCache = near ? { onEvent: (e: { type: string }) => e.type === 'up' && markUp() } : false

const store: SessionStore = kind.startsWith('redis')
  ? redisStore({ url: process.env.REDIS_URL!, keyPrefix: `${tag}:`, nearCache })
  : kind.startsWith('postgres')
    ? postgresStore({
        connectionString: process.env.DATABASE_URL!,
        tablePrefix: `${tag}_`,
        nearCache,
      })
    : memoryStore({ quiet: true })
await up

const sessions = createSessions({ store })
const handler = nodeHandler(sessions, async (req: SessionRequest, res) => {
  res.setHeader('content-type', 'application/json')
  if (req.method === 'POST' && req.tessera.input.path === '/login') {
    const user = { id: `u${randomBytes(4).toString('hex')}`, name: 'alice', role: 'user' }
    req.session.set('user', user)
    await req.session.regenerate({ userId: user.id, authenticated: true })
    return res.end('{}')
  }
  const user = req.session.get('user')
  if (req.tessera.input.path === '/me' && user) return res.end(JSON.stringify({ user }))
  if (req.tessera.input.path === '/stats') return res.end(JSON.stringify(nearCacheStats(store)))
  res.statusCode = 401
  return res.end('{}')
})
const server = createServer(handler)
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', async () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const cookies: string[] = []
  for (let i = 0; i < Number(process.env.SESSIONS ?? 100); i++) {
    const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' })
    cookies.push((res.headers.get('set-cookie') ?? '').split(';')[0]!)
  }
  process.stdout.write(`READY ${port} ${cookies.join('\t')}\n`)
})
const stop = async () => {
  server.close()
  await sessions.close().catch(() => {})
  if (kind !== 'memory') {
    const backend = kind.startsWith('redis') ? 'redis' : 'postgres'
    const url = backend === 'redis' ? process.env.REDIS_URL! : process.env.DATABASE_URL!
    await cleanUp(backend, url, backend === 'redis' ? `${tag}:` : `${tag}_`)
  }
  process.exit(0)
}
process.on('SIGTERM', () => void stop())

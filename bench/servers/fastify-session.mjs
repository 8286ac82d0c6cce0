// Peer: @fastify/session (its default memory store) on Fastify 5, plain-HTTP cookie.
import Fastify from 'fastify'
import { countCalls, listen, publishOps, nextLoginUser, skip, USER } from './serve.mjs'

const cookie = await import('@fastify/cookie').catch(() => skip('@fastify/cookie missing'))
const session = await import('@fastify/session').catch(() => skip('@fastify/session missing'))
const store = new session.MemoryStore()
const counts = countCalls(store, ['get', 'set', 'destroy'])
const app = Fastify({ logger: false })
publishOps(counts)
app.register(cookie.default)
app.register(session.default, {
  secret: 'bench-secret-bench-secret-bench-secret',
  cookie: { secure: false },
  store,
})
app.post('/login', async (req) => {
  await req.session.regenerate()
  const q = req.query
  req.session.set('user', { ...USER, id: typeof q.u === 'string' ? q.u : nextLoginUser() })
  return { headers: {} }
})
const me = async (req, reply) => {
  const user = req.session.get('user')
  if (!user) return reply.code(401).send({ error: 'no session' })
  return { user }
}
app.get('/me', me)
app.post('/me', me)
await app.ready()
listen(app.server)

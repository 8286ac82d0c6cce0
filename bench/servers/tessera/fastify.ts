// Tessera's Fastify adapter on Fastify 5 (memory store unless STORE says otherwise).
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { fastifySessions } from 'tessera-session/fastify'
import { listen, publishOps } from '../serve.mjs'
import { benchSessions, loginUser } from './setup.js'

const { sessions, plugins, counts } = await benchSessions()
const app = Fastify({ logger: false })
publishOps(counts)
await app.register(fastifySessions, { sessions, plugins })
app.post('/login', async (req) => {
  const user = loginUser(req.tessera?.input.query ?? '')
  req.session.set('user', user)
  await req.session.regenerate({ userId: user.id, authenticated: true })
  const csrf = req.tessera?.locals.csrfToken?.()
  return { headers: csrf ? { 'x-csrf-token': csrf } : {} }
})
const me = async (req: FastifyRequest, reply: FastifyReply) => {
  const user = req.session.get('user')
  if (!user) return reply.code(401).send({ error: 'no session' })
  return { user }
}
app.get('/me', me)
app.post('/me', me)
await app.ready()
listen(app.server)

// Fastify 5 with Tessera: npx tsx examples/fastify.ts (imports exactly as in your app)
import Fastify from 'fastify'
import { fastifySessions } from 'tessera-session/fastify'
import { createSessions, memoryStore } from 'tessera-session'

const sessions = createSessions({ store: memoryStore() })
const app = Fastify()
await app.register(fastifySessions, { sessions })

app.get('/', async (request) => {
  const visits = Number(request.session.get('visits') ?? 0) + 1
  request.session.set('visits', visits)
  return `visit ${visits}\n`
})
await app.listen({ port: 3000 })

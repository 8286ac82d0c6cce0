// Bound: plain Fastify 5, no session.
import Fastify from 'fastify'
import { listen, USER } from './serve.mjs'

const app = Fastify({ logger: false })
app.post('/login', async () => ({ headers: {} }))
app.get('/me', async () => ({ user: USER }))
app.post('/me', async () => ({ user: USER }))
await app.ready()
listen(app.server)

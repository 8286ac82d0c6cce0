// Tessera's Hono adapter on @hono/node-server (memory store unless STORE says otherwise).
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { honoSessions } from 'tessera-session/hono'
import { listen, publishOps } from '../serve.mjs'
import { benchSessions, loginUser } from './setup.js'

const { sessions, plugins, counts } = await benchSessions()
const app = new Hono()
publishOps(counts)
app.use(honoSessions(sessions, { plugins }))
app.post('/login', async (c) => {
  const user = loginUser(c.get('tessera').input.query)
  const session = c.get('session')
  session.set('user', user)
  await session.regenerate({ userId: user.id, authenticated: true })
  const csrf = c.get('tessera').locals.csrfToken?.()
  return c.json({ headers: csrf ? { 'x-csrf-token': csrf } : {} })
})
const me = (c: Context) => {
  const user = c.get('session').get('user')
  return user ? c.json({ user }) : c.json({ error: 'no session' }, 401)
}
app.get('/me', me)
app.post('/me', me)
listen(createServer(getRequestListener(app.fetch)))

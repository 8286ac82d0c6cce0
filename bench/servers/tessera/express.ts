// Tessera's Express adapter on Express 5 (memory store unless STORE says otherwise).
import { createServer } from 'node:http'
import express from 'express'
import { expressSessions } from 'tessera-session/express'
import { listen, publishOps } from '../serve.mjs'
import { benchSessions, loginUser } from './setup.js'

const { sessions, plugins, counts } = await benchSessions()
const app = express()
app.disable('x-powered-by')
publishOps(counts)
app.use(expressSessions(sessions, { plugins }))
app.post('/login', async (req, res) => {
  const user = loginUser(req.tessera.input.query)
  req.session.set('user', user)
  await req.session.regenerate({ userId: user.id, authenticated: true })
  const csrf = req.tessera.locals.csrfToken?.()
  res.json({ headers: csrf ? { 'x-csrf-token': csrf } : {} })
})
const me: express.RequestHandler = (req, res) => {
  const user = req.session.get('user')
  if (!user) {
    res.status(401).json({ error: 'no session' })
    return
  }
  res.json({ user })
}
app.get('/me', me)
app.post('/me', me)
listen(createServer(app))

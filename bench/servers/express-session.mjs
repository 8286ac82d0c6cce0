// Peer: express-session on Express 5, with its MemoryStore (STORE=memory) or connect-redis
// (STORE=redis, REDIS_URL). Options follow the peers' own READMEs: resave and
// saveUninitialized false (their recommended setting; with defaults it writes even more).
import { createServer } from 'node:http'
import express from 'express'
import { countCalls, listen, publishOps, nextLoginUser, skip, USER } from './serve.mjs'

const session = await import('express-session').catch(() => skip('express-session not installed'))
const options = {
  secret: 'bench-secret-bench-secret-bench-secret',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax' },
}
if (process.env.STORE === 'redis') {
  const { RedisStore } = await import('connect-redis').catch(() => skip('connect-redis missing'))
  const { createClient } = await import('redis')
  const client = createClient({ url: process.env.REDIS_URL })
  await client.connect().catch((e) => skip(`redis: ${e.message}`))
  options.store = new RedisStore({ client, prefix: `bench${process.pid}:es:` })
} else {
  options.store = new session.MemoryStore()
}
const counts = countCalls(options.store, ['get', 'set', 'touch', 'destroy'])
const app = express()
app.disable('x-powered-by')
publishOps(counts)
app.use(session.default(options))
app.post('/login', (req, res, next) => {
  const id = typeof req.query.u === 'string' ? req.query.u : nextLoginUser()
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = { ...USER, id }
    res.json({ headers: {} })
  })
})
const me = (req, res) => {
  if (!req.session.user) return res.status(401).json({ error: 'no session' })
  res.json({ user: req.session.user })
}
app.get('/me', me)
app.post('/me', me)
listen(createServer(app))

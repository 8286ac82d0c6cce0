// Bound: plain Hono 4 on @hono/node-server, no session.
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { listen, USER } from './serve.mjs'

const app = new Hono()
app.post('/login', (c) => c.json({ headers: {} }))
app.get('/me', (c) => c.json({ user: USER }))
app.post('/me', (c) => c.json({ user: USER }))
listen(createServer(getRequestListener(app.fetch)))

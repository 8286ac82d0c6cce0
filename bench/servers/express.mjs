// Bound: plain Express 5, no session.
import { createServer } from 'node:http'
import express from 'express'
import { listen, USER } from './serve.mjs'

const app = express()
app.disable('x-powered-by')
app.post('/login', (_req, res) => res.json({ headers: {} }))
app.get('/me', (_req, res) => res.json({ user: USER }))
app.post('/me', (_req, res) => res.json({ user: USER }))
listen(createServer(app))

// Upper bound: node:http with no session at all.
import { createServer } from 'node:http'
import { listen, USER } from './serve.mjs'

listen(
  createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.method === 'POST' && req.url?.startsWith('/login')) return res.end('{"headers":{}}')
    if (req.url === '/me') return res.end(JSON.stringify({ user: USER }))
    res.statusCode = 404
    res.end('{}')
  }),
)

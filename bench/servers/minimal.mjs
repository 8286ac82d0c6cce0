// Peer: the least a stateful session can do on node:http, hand-written. The cookie is a random
// 256-bit token; the store key is its SHA-256 (so a leaked store holds no usable cookie); the
// session is one Map lookup (STORE=memory) or one Redis HGETALL (STORE=redis, REDIS_URL).
// No expiry, no rotation, no cap, no events: the floor a session library is measured against.
import * as crypto from 'node:crypto'
import { createServer } from 'node:http'
import { describeSetup, listen, nextLoginUser, skip, USER } from './serve.mjs'

const NAME = 'sid='
// The one-shot digest where Node has it (≥ 20.12), as a careful hand-writer would use.
const sha256 = crypto.hash
  ? (token) => crypto.hash('sha256', token, 'base64url')
  : (token) => crypto.createHash('sha256').update(token).digest('base64url')
const redisUrl = process.env.STORE === 'redis' ? process.env.REDIS_URL : null
let get
let put
if (redisUrl) {
  const { createClient } = await import('redis')
  const client = createClient({ url: redisUrl })
  await client.connect().catch((e) => skip(`redis: ${e.message}`))
  const prefix = `bench${process.pid}:min:`
  get = async (id) => {
    const h = await client.hGetAll(prefix + id)
    return h.user ? JSON.parse(h.user) : null
  }
  put = (id, user) => client.hSet(prefix + id, 'user', JSON.stringify(user))
} else {
  const map = new Map()
  get = (id) => map.get(id) ?? null
  put = (id, user) => map.set(id, user)
}
describeSetup({ store: redisUrl ? 'redis' : 'memory', key: 'SHA-256 of a 256-bit token' })

function tokenOf(cookie) {
  const at = cookie ? cookie.indexOf(NAME) : -1
  return at === -1 ? null : cookie.slice(at + NAME.length, at + NAME.length + 43)
}

listen(
  createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.method === 'POST' && req.url?.startsWith('/login')) {
      const u = new URL(req.url, 'http://x').searchParams.get('u')
      const token = crypto.randomBytes(32).toString('base64url')
      await put(sha256(token), { ...USER, id: u ?? nextLoginUser() })
      res.setHeader('set-cookie', `${NAME}${token}; Path=/; HttpOnly; SameSite=Lax`)
      return res.end('{"headers":{}}')
    }
    const token = tokenOf(req.headers.cookie)
    const user = token && req.url === '/me' ? await get(sha256(token)) : null
    if (user) return res.end(JSON.stringify({ user }))
    res.statusCode = 401
    res.end('{}')
  }),
)

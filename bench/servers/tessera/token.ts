// Tessera's token mode on node:http: POST /login issues an access/refresh pair for a token
// session (cap enforced); GET /me is authenticated by `Authorization: Bearer` through the
// bearerAuth plugin. ALG = EdDSA | ES256 | HS256; REVOCATION = stateful | stateless+denylist;
// CACHE = 0 turns off the verified-token cache (every request verifies the signature, as jose).
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { nodeHandler, type SessionRequest } from 'tessera-session/node'
import { listen, publishOps, skip } from '../serve.mjs'
import { benchSessions, loginUser } from './setup.js'

const jwt = await import('tessera-session/jwt').catch((e: Error) =>
  skip(`token mode: ${e.message}`),
)
const { sessions, counts } = await benchSessions()
const alg = (process.env.ALG ?? 'EdDSA') as 'EdDSA' | 'ES256' | 'HS256'
const revocation = process.env.REVOCATION === 'stateless' ? 'stateless+denylist' : 'stateful'
const tokens = jwt.createTokenMode({
  sessions,
  keys: jwt.KeySet.generate(alg),
  issuer: 'bench',
  audience: 'bench',
  refreshSecret: randomBytes(32),
  revocation,
  verifiedCacheSize: process.env.CACHE === '0' ? 0 : undefined,
})

const handler = nodeHandler(
  sessions,
  async (req: SessionRequest, res) => {
    res.setHeader('content-type', 'application/json')
    const { path, query } = req.tessera.input
    if (req.method === 'POST' && path === '/login') {
      const pair = await tokens.issue({ userId: loginUser(query).id })
      return res.end(JSON.stringify({ headers: { authorization: `Bearer ${pair.access_token}` } }))
    }
    const auth = req.tessera.locals.bearer
    if (path === '/me' && auth) return res.end(JSON.stringify({ user: { id: auth.claims.sub } }))
    res.statusCode = 401
    return res.end('{}')
  },
  { plugins: [jwt.bearerAuth(tokens)] },
)

publishOps(counts)
listen(createServer(handler))

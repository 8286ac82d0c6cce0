// Peer: jose jwtVerify on a bearer token (ALG = HS256 | ES256 | EdDSA), node:http. Keys as in
// jose's README: HS256 secret as a Uint8Array, asymmetric keys from generateKeyPair.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { listen, nextLoginUser, USER } from './serve.mjs'

const alg = process.env.ALG ?? 'HS256'
const keys =
  alg === 'HS256'
    ? { privateKey: new Uint8Array(randomBytes(32)), publicKey: null }
    : await generateKeyPair(alg)
const verifyKey = keys.publicKey ?? keys.privateKey
const claims = { issuer: 'bench', audience: 'bench', algorithms: [alg] }

listen(
  createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.method === 'POST' && req.url?.startsWith('/login')) {
      const u = new URL(req.url, 'http://x').searchParams.get('u')
      const token = await new SignJWT({ name: USER.name, role: USER.role })
        .setProtectedHeader({ alg })
        .setSubject(u ?? nextLoginUser())
        .setIssuer('bench')
        .setAudience('bench')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys.privateKey)
      return res.end(JSON.stringify({ headers: { authorization: `Bearer ${token}` } }))
    }
    const auth = req.headers.authorization
    if (req.url === '/me' && auth?.startsWith('Bearer ')) {
      try {
        const { payload } = await jwtVerify(auth.slice(7), verifyKey, claims)
        return res.end(JSON.stringify({ user: { id: payload.sub, name: payload.name } }))
      } catch {}
    }
    res.statusCode = 401
    res.end('{}')
  }),
)

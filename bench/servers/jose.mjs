// Peer: jose jwtVerify on a bearer token (ALG = HS256 | ES256 | EdDSA), node:http. Each peer
// gets its best documented set-up: the verification key is a CryptoKey made once at start-up
// (the HS256 secret imported with crypto.subtle.importKey; jose's generateKeyPair returns
// CryptoKeys), so no verify re-imports a raw key. The server reports what it holds (SETUP).
import { randomBytes, webcrypto } from 'node:crypto'
import { createServer } from 'node:http'
import { generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { describeSetup, listen, nextLoginUser, USER } from './serve.mjs'

const alg = process.env.ALG ?? 'HS256'
const keys =
  alg === 'HS256'
    ? await webcrypto.subtle
        .importKey('raw', randomBytes(32), { name: 'HMAC', hash: 'SHA-256' }, false, [
          'sign',
          'verify',
        ])
        .then((secret) => ({ privateKey: secret, publicKey: secret }))
    : await generateKeyPair(alg)
const verifyKey = keys.publicKey
const claims = { issuer: 'bench', audience: 'bench', algorithms: [alg] }
describeSetup({
  verifyKey: verifyKey?.constructor?.name ?? typeof verifyKey,
  keyMadeAt: 'start-up, once',
  alg,
})

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

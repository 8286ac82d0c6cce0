// Token endpoints of the mini app: opaque tokens with server-side families (rotation, a short
// window for concurrent refreshes, reuse ends the family, revocation), or, as the flaw,
// self-contained signed tokens that nothing on the server can end.
import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

type Send = (res: ServerResponse, status: number, body: unknown) => void

interface Family {
  user: string
  current: string
  previous: string | null
  rotatedAt: number
  revoked: boolean
}

const random = () => randomBytes(32).toString('base64url')

/** The token part of the mini app. */
export function tokenRoutes(stateless: boolean, windowMs: number, users: Record<string, string>) {
  const key = randomBytes(32)
  const families = new Map<string, Family>()
  const byRefresh = new Map<string, string>() // every refresh token ever issued → family id
  const access = new Map<string, string>() // access token → family id
  const sign = (claims: object) => {
    const payload = Buffer.from(JSON.stringify({ ...claims, n: random() })).toString('base64url')
    return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`
  }
  const verify = (token: unknown, typ: string): string | null => {
    if (typeof token !== 'string') return null
    const [payload, sig] = token.split('.')
    if (!payload || sig !== createHmac('sha256', key).update(payload).digest('base64url'))
      return null
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      sub: string
      typ: string
    }
    return c.typ === typ ? c.sub : null
  }
  const pair = (familyId: string, f: Family) => {
    const a = random()
    access.set(a, familyId)
    return { access_token: a, refresh_token: f.current, token_type: 'Bearer' }
  }
  const refresh = (token: unknown): object | null => {
    if (stateless) {
      const sub = verify(token, 'r')
      if (!sub) return null
      return { access_token: sign({ sub, typ: 'a' }), refresh_token: sign({ sub, typ: 'r' }) }
    }
    const familyId = typeof token === 'string' ? byRefresh.get(token) : undefined
    const f = familyId ? families.get(familyId) : undefined
    if (!familyId || !f || f.revoked) return null
    if (token === f.current) {
      f.previous = f.current
      f.current = random()
      f.rotatedAt = Date.now()
      byRefresh.set(f.current, familyId)
      return pair(familyId, f)
    }
    if (token === f.previous && Date.now() - f.rotatedAt < windowMs) return pair(familyId, f)
    f.revoked = true // reuse of a spent token: the whole family ends
    return null
  }
  return {
    async handle(
      route: string,
      _req: IncomingMessage,
      body: Record<string, unknown>,
      send: Send,
      res: ServerResponse,
    ): Promise<boolean> {
      if (route === 'POST /api/token') {
        const user = String(body.username)
        if (users[user] !== body.password) send(res, 401, {})
        else if (stateless)
          send(res, 200, {
            access_token: sign({ sub: user, typ: 'a' }),
            refresh_token: sign({ sub: user, typ: 'r' }),
          })
        else {
          const familyId = random()
          const f: Family = {
            user,
            current: random(),
            previous: null,
            rotatedAt: 0,
            revoked: false,
          }
          families.set(familyId, f)
          byRefresh.set(f.current, familyId)
          send(res, 200, pair(familyId, f))
        }
        return true
      }
      if (route === 'POST /api/token/refresh') {
        const next = refresh(body.refresh_token)
        send(res, next ? 200 : 401, next ?? { error: 'invalid' })
        return true
      }
      if (route === 'POST /api/token/revoke') {
        const familyId =
          typeof body.refresh_token === 'string' ? byRefresh.get(body.refresh_token) : undefined
        const f = familyId && families.get(familyId)
        if (f) f.revoked = true
        send(res, 200, { ok: true })
        return true
      }
      return false
    },
    /** The user of a valid bearer token, or null. */
    async bearer(req: IncomingMessage): Promise<string | null> {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      if (!token) return null
      if (stateless) return verify(token, 'a')
      const f = families.get(access.get(token) ?? '')
      return f && !f.revoked ? f.user : null
    },
    /** Ends every token family of `user` (password change, revoke others). */
    revokeUser(user: string): void {
      for (const f of families.values()) if (f.user === user) f.revoked = true
    },
  }
}

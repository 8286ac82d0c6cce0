import type { ServerResponse } from 'node:http'
import { parseSessionHandle } from 'tessera-session'
import {
  type AppContext,
  csrfTokenOf,
  currentRecord,
  currentSession,
  requireAdmin,
  requireFresh,
  requireUser,
} from '../context.js'
import { HttpError, json, type Router, readJson } from '../http.js'
import { expireSessionCookies } from '../logout.js'
import { publicUser } from '../users.js'
import { requireBoundCookie, sessionRows } from './dbsc.js'
import { adminRevokeUser, changePassword, login, reauth, transfer } from '../actions.js'

/** The JSON API of REFERENCE_APP.md (cookie-session part). */
export function apiRoutes(router: Router, app: AppContext): void {
  const ok = (res: ServerResponse, extra: Record<string, unknown> = {}) =>
    json(res, 200, { ok: true, ...extra })

  router.on('GET', '/healthz', async (_req, res) => {
    try {
      await app.sessions.ping()
      json(res, 200, { ok: true })
    } catch {
      json(res, 503, {
        ok: false,
        error: { code: 'ERR_STORE_UNAVAILABLE', message: 'session store unavailable' },
      })
    }
  })

  // Without a session the token is a pre-login one (CSRF plugin): nothing is stored.
  router.on('GET', '/api/csrf', (req, res) => {
    json(res, 200, { csrfToken: csrfTokenOf(req) })
  })

  router.on('POST', '/api/login', async (req, res) => {
    const body = await readJson(req)
    const user = await login(app, req, res, body.username, body.password)
    json(res, 200, { user: publicUser(user), csrfToken: csrfTokenOf(req) })
  })

  router.on('POST', '/api/logout', async (req, res) => {
    const bearer = req.tessera.locals.bearer
    // A bearer client logs out its token session (all its access and refresh tokens).
    const handle = bearer && parseSessionHandle(bearer.claims.sid)
    if (!req.session.userId && handle)
      await app.sessions.revoke(handle, { owner: bearer.claims.sub, reason: 'user' })
    // Without a live session (it expired, was revoked, or never was) this still answers like
    // a logout: the clearing cookie and Clear-Site-Data, so the client ends up signed out.
    else await req.session.destroy({ reason: 'user' })
    expireSessionCookies(app, req, res) // all but the device cookie
    ok(res)
  })

  router.on('GET', '/api/me', (req, res) => {
    const user = requireUser(app, req)
    const r = currentRecord(req)
    json(res, 200, {
      user: { ...publicUser(user), balance: user.balance },
      session: {
        handle: r.handle,
        createdAt: iso(r.createdAt),
        lastSeenAt: iso(r.lastSeenAt),
        idleExpiresAt: iso(r.idleExpiresAt),
        absoluteExpiresAt: iso(r.absoluteExpiresAt),
      },
    })
  })

  router.on('POST', '/api/transfer', async (req, res) => {
    const user = requireUser(app, req)
    const body = await readJson(req)
    ok(res, { balance: transfer(app, user, body.to, body.amount) })
  })

  router.on('POST', '/api/reauth', async (req, res) => {
    const body = await readJson(req)
    await reauth(app, req, res, body.password)
    ok(res, { csrfToken: csrfTokenOf(req) })
  })

  router.on('POST', '/api/password', async (req, res) => {
    const body = await readJson(req)
    await changePassword(app, req, res, body.currentPassword, body.newPassword)
    ok(res, { csrfToken: csrfTokenOf(req) })
  })

  router.on('GET', '/api/sessions', async (req, res) => {
    const user = requireUser(app, req)
    const list = await sessionRows(app, currentSession(req) ?? { userId: user.id, handle: null })
    json(res, 200, {
      sessions: list.map((s) => ({
        handle: s.handle,
        current: s.current,
        createdAt: iso(s.createdAt),
        lastSeenAt: iso(s.lastSeenAt),
        ip: s.ip ?? null,
        userAgent: s.userAgent ?? null,
        device: s.device ?? null,
        kind: s.kind ?? 'cookie',
        authMethod: s.authMethod ?? null,
        bound: s.bound ?? false,
      })),
    })
  })

  router.on('DELETE', '/api/sessions/:handle', async (req, res, params) => {
    const user = requireUser(app, req)
    // A handle that cannot be one names no session: 404, like an unknown or foreign one.
    const handle = parseSessionHandle(params.handle)
    if (!handle) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such session')
    if (handle === req.session.handle) {
      await req.session.destroy({ reason: 'user' })
      return ok(res)
    }
    requireBoundCookie(app, req, res)
    if (!(await app.sessions.revoke(handle, { owner: user.id, reason: 'user' })))
      throw new HttpError(404, 'ERR_NOT_FOUND', 'no such session')
    ok(res)
  })

  router.on('POST', '/api/sessions/revoke-others', async (req, res) => {
    const user = requireFresh(app, req)
    const current = currentSession(req) ?? { userId: user.id, handle: null }
    ok(res, { revoked: await app.sessions.revokeOthers(current) })
  })

  router.on('POST', '/api/admin/users/:id/revoke-sessions', async (req, res, params) => {
    const admin = requireAdmin(app, req)
    requireBoundCookie(app, req, res)
    const target = app.users.byId(params.id!)
    if (!target) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such user')
    ok(res, { revoked: await adminRevokeUser(app, req, admin, target) })
  })
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

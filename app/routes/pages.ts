import type { ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'
import { parseSessionHandle, TesseraError } from 'tessera-session'
import { verifyCsrf } from 'tessera-session/csrf'
import type { SafeHtml } from 'tessera-session/html'
import { type AppContext, isFreshFor, requireAdmin, requireUser } from '../context.js'
import { HttpError, html as sendHtml, type Router, readForm, redirect } from '../http.js'
import { accountPage } from '../pages/account.js'
import { type AdminData, adminPage } from '../pages/admin.js'
import { AUDIT_TYPES, readAudit } from './admin-audit.js'
import { errorPage } from '../pages/error.js'
import { homePage } from '../pages/home.js'
import { loginPage } from '../pages/login.js'
import { REAUTH_RETURN, securityPage } from '../pages/security.js'
import { sessionsPage } from '../pages/sessions.js'
import { view } from '../pages/view.js'
import { expireSessionCookies } from '../logout.js'
import { adminRevokeUser, changePassword, login, reauth, transfer } from '../actions.js'
import { requireBoundCookie, sessionRows } from './dbsc.js'

type Form = Record<string, string>
type PageHandler = (
  req: SessionRequest,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown

/**
 * Sends a rendered page. Pages for signed-in users also get `Cache-Control: no-store` from the
 * session pipeline, so the back button cannot show them after logout.
 *
 * @example
 * sendPage(res, 200, homePage(view(app, req)))
 */
export function sendPage(res: ServerResponse, status: number, page: SafeHtml): void {
  sendHtml(res, status, String(page))
}

/**
 * True for requests that should get HTML errors: not the JSON API, and a browser asking for HTML.
 *
 * @example
 * if (!match) return wantsPage(req) ? notFoundPage(app, req, res) : sendError(res, 404, …)
 */
export function wantsPage(req: SessionRequest): boolean {
  const path = req.tessera.input.path
  return !path.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html')
}

/**
 * The HTML 404 page.
 *
 * @example
 * notFoundPage(app, req, res)
 */
export function notFoundPage(app: AppContext, req: SessionRequest, res: ServerResponse): void {
  sendPage(res, 404, errorPage(view(app, req), 404, 'ERR_NOT_FOUND', 'not found'))
}

/** Maps errors of page routes to HTML: sign-in and re-auth become redirects, 4xx an error page. */
function page(app: AppContext, handler: PageHandler): PageHandler {
  return async (req, res, params) => {
    try {
      await handler(req, res, params)
    } catch (error) {
      const e = error instanceof HttpError || error instanceof TesseraError ? error : null
      if (!e || e.status >= 500) throw error
      if (e.code === 'ERR_UNAUTHENTICATED') {
        // A session cookie that no longer opens a session: it expired or was revoked.
        const stale = !req.session.exists && hasSessionCookie(app, req)
        return redirect(res, stale ? '/login?ok=expired' : '/login')
      }
      if (e.code === 'ERR_REAUTH_REQUIRED') {
        const back = req.method === 'GET' ? req.tessera.input.path : refererPath(req)
        const next = REAUTH_RETURN.has(back) ? back : '/security'
        return redirect(res, `/security?why=reauth&next=${encodeURIComponent(next)}`)
      }
      sendPage(res, e.status, errorPage(view(app, req), e.status, e.code, e.message))
    }
  }
}

function hasSessionCookie(app: AppContext, req: SessionRequest): boolean {
  return (req.headers.cookie ?? '').includes(`${app.sessions.options.cookie.name}=`)
}

/** The path of the same-origin page that posted the form, for returning to it. */
function refererPath(req: SessionRequest): string {
  try {
    const r = new URL(req.headers.referer ?? '', 'http://x')
    return r.pathname
  } catch {
    return '/security'
  }
}

/** Reads a form post and checks its `csrf` field before anything else happens. */
async function postedForm(req: SessionRequest): Promise<Form> {
  const form = await readForm(req)
  verifyCsrf(req.tessera, form.csrf)
  return form
}

/** An expected, user-facing failure of a form (re-render the form with this message). */
function formError(error: unknown): HttpError | null {
  if (error instanceof HttpError && error.status < 500 && !error.code.startsWith('ERR_UNAUTH'))
    return error.code === 'ERR_REAUTH_REQUIRED' ? null : error
  if (error instanceof TesseraError && error.code === 'ERR_SESSION_LIMIT')
    return new HttpError(
      409,
      error.code,
      'You are signed in on too many devices. End a session elsewhere first.',
    )
  return null
}

/** The HTML pages of REFERENCE_APP.md: GET renders, POST acts and redirects (303). */
export function pageRoutes(router: Router, app: AppContext): void {
  const get = (path: string, h: PageHandler) => router.on('GET', path, page(app, h))
  const post = (path: string, h: PageHandler) => router.on('POST', path, page(app, h))

  get('/', (req, res) => sendPage(res, 200, homePage(view(app, req))))

  get('/login', (req, res) => {
    const v = view(app, req)
    if (v.user) return redirect(res, '/account')
    sendPage(res, 200, loginPage(v))
  })

  post('/login', async (req, res) => {
    const form = await postedForm(req)
    try {
      await login(app, req, res, form.username, form.password)
    } catch (error) {
      // 401 and the throttle's 429/503 (its Retry-After already set) re-render the form.
      const e =
        formError(error) ??
        (error instanceof HttpError && (error.status === 401 || error.status === 503)
          ? error
          : null)
      if (!e) throw error
      const username = (form.username ?? '').slice(0, 64)
      return sendPage(res, e.status, loginPage(view(app, req), { username, error: e.message }))
    }
    redirect(res, '/account')
  })

  post('/logout', async (req, res) => {
    // Without a live session (say, after an idle timeout) there is nothing to end and nothing
    // to forge: answer like a logout, clearing cookie and Clear-Site-Data included.
    if (req.session.exists) await postedForm(req)
    await req.session.destroy({ reason: 'user' })
    expireSessionCookies(app, req, res) // all but the device cookie
    redirect(res, '/login?ok=logout')
  })

  get('/account', (req, res) => {
    const user = requireUser(app, req)
    sendPage(res, 200, accountPage(view(app, req), user))
  })

  post('/account/transfer', async (req, res) => {
    const form = await postedForm(req)
    const user = requireUser(app, req)
    try {
      transfer(app, user, form.to, form.amount)
    } catch (error) {
      const e = formError(error)
      if (!e) throw error
      const state = {
        to: form.to?.slice(0, 64),
        amount: form.amount?.slice(0, 20),
        error: e.message,
      }
      return sendPage(res, e.status, accountPage(view(app, req), user, state))
    }
    redirect(res, '/account?ok=transfer')
  })

  get('/sessions', async (req, res) => {
    requireUser(app, req)
    const list = await sessionRows(app, req.session)
    sendPage(res, 200, sessionsPage(view(app, req), list))
  })

  post('/sessions/:handle/revoke', async (req, res, params) => {
    await postedForm(req)
    const user = requireUser(app, req)
    const handle = parseSessionHandle(params.handle)
    if (!handle) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such session')
    if (handle === req.session.handle) {
      await req.session.destroy({ reason: 'user' })
      expireSessionCookies(app, req, res)
      return redirect(res, '/login?ok=logout')
    }
    requireBoundCookie(app, req, res)
    if (!(await app.sessions.revoke(handle, { owner: user.id, reason: 'user' })))
      throw new HttpError(404, 'ERR_NOT_FOUND', 'no such session')
    redirect(res, '/sessions?ok=revoked')
  })

  post('/sessions/revoke-others', async (req, res) => {
    await postedForm(req)
    const user = requireUser(app, req)
    if (!isFreshFor(app, req, user)) return redirect(res, '/security?why=reauth&next=%2Fsessions')
    await app.sessions.revokeOthers(req.session)
    redirect(res, '/sessions?ok=revoked-others')
  })

  get('/security', (req, res) => {
    requireUser(app, req)
    sendPage(res, 200, securityPage(view(app, req)))
  })

  post('/security/reauth', async (req, res) => {
    const form = await postedForm(req)
    requireUser(app, req)
    try {
      await reauth(app, req, res, form.password)
    } catch (error) {
      const e = error instanceof HttpError && error.code === 'ERR_BAD_CREDENTIALS' ? error : null
      if (!e) throw error
      return sendPage(res, 401, securityPage(view(app, req), 'Wrong password.'))
    }
    const next = form.next && REAUTH_RETURN.has(form.next) ? form.next : '/security'
    redirect(res, next === '/security' ? '/security?ok=reauth' : next)
  })

  post('/security/password', async (req, res) => {
    const form = await postedForm(req)
    if (!isFreshFor(app, req, requireUser(app, req))) return redirect(res, '/security?why=reauth')
    try {
      await changePassword(app, req, res, form.currentPassword, form.newPassword)
    } catch (error) {
      const e = formError(error)
      if (!e) throw error
      return sendPage(res, e.status, securityPage(view(app, req), e.message))
    }
    redirect(res, '/security?ok=password')
  })

  get('/admin', async (req, res) => {
    requireAdmin(app, req)
    const v = view(app, req)
    const picked = app.users.byId(v.query.get('user') ?? '')
    const type = AUDIT_TYPES.find((t) => t === v.query.get('type')) ?? null
    const users = await Promise.all(
      app.users
        .all()
        .map(async (user) => ({ user, sessions: (await app.sessions.admin.list(user.id)).length })),
    )
    const data: AdminData = {
      users,
      selected: picked
        ? {
            user: picked,
            sessions: await app.sessions.admin.list(picked.id, { current: req.session }),
          }
        : null,
      audit: await readAudit(app, { userId: picked?.id, type: type ?? undefined, limit: 50 }),
      type,
      types: AUDIT_TYPES,
    }
    sendPage(res, 200, adminPage(v, data))
  })

  post('/admin/users/:id/revoke-sessions', async (req, res, params) => {
    await postedForm(req)
    const admin = requireAdmin(app, req)
    requireBoundCookie(app, req, res)
    const target = app.users.byId(params.id!)
    if (!target) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such user')
    await adminRevokeUser(app, req, admin, target)
    redirect(res, `/admin?user=${encodeURIComponent(target.id)}&ok=admin-revoked`)
  })
}

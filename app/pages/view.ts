import type { SessionRequest } from 'tessera-session/node'
import { cspNonce } from 'tessera-session/html'
import { type AppContext, csrfTokenOf } from '../context.js'
import type { User } from '../users.js'

/** What every page needs to render: who is asking, the form token, the CSP nonce, the time. */
export interface View {
  app: AppContext
  req: SessionRequest
  /** The signed-in user, or null. */
  user: User | null
  /** This response's CSRF token for the forms on the page ('' without the CSRF plugin). */
  readonly csrf: string
  /** This response's CSP nonce ('' without the headers plugin). */
  nonce: string
  /** The app clock's "now" (ms). */
  now: number
  /** The request's query parameters. */
  query: URLSearchParams
}

/**
 * Builds the {@link View} of a request. Rendering a form without a session gives it a signed
 * pre-login token (login CSRF) and stores nothing.
 *
 * @example
 * const v = view(app, req)
 * html`<input type="hidden" name="csrf" value="${v.csrf}">`
 */
export function view(app: AppContext, req: SessionRequest): View {
  const id = req.session.userId
  const user = id ? (app.users.byId(id) ?? null) : null
  let token: string | undefined
  return {
    app,
    req,
    user: user && !user.disabled ? user : null,
    // Lazy: only pages with a form set the pre-login cookie (the home page stays cookie-free).
    get csrf() {
      token ??= csrfTokenOf(req) ?? ''
      return token
    },
    nonce: cspNonce(req),
    now: app.sessions.options.clock.now(),
    query: new URLSearchParams(req.tessera.input.query),
  }
}

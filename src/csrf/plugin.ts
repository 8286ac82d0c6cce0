import { configAssert, TesseraError } from '../core/errors.js'
import type { Plugin, RequestContext } from '../pipeline/types.js'
import { CsrfGuard } from './guard.js'
import type { CsrfOptions } from './options.js'

// Where these used to live; kept so existing imports still resolve.
export { CSRF_SECRET_LABEL, CsrfGuard } from './guard.js'
export type { CsrfOptions, CsrfRefusal } from './options.js'

/**
 * The CSRF plugin: Fetch Metadata, then `Origin`/`Referer`, then a session-bound synchronizer
 * token, for every unsafe method (anything but GET, HEAD, OPTIONS, TRACE). A refusal is a 403
 * `ERR_CSRF` and a `malicious_csrf` event, and the handler never runs. Handlers get tokens from
 * `ctx.locals.csrfToken()` (masked afresh on every call, BREACH-safe). The token is read from
 * the `X-CSRF-Token` header only; never from the query string or a cookie. Form posts can carry
 * it in a field instead: see `deferForms` and {@link verifyCsrf}; a deferred post whose route
 * never verified it is answered 403 when its response starts (adapters ask `pipeline.veto`).
 *
 * @example
 * const pipeline = createPipeline(sessions, [
 *   securityHeaders(),
 *   csrf({
 *     sessions,
 *     origins: ['https://bank.example'],
 *     exemptPaths: ['/api/token'],
 *     exemptWithoutSession: ['/logout', '/api/logout'],
 *     preLogin: { paths: ['/login', '/api/login'], secret: process.env.CSRF_SECRET },
 *   }),
 * ])
 */
export function csrf(options: CsrfOptions): Plugin {
  const guard = new CsrfGuard(options)
  return {
    name: 'csrf',
    onRequest(ctx: RequestContext) {
      ctx.locals.csrfGuard = guard
      ctx.locals.csrfToken = () => guard.issue(ctx)
      const reason = guard.check(ctx)
      if (reason === null) return undefined
      guard.report(ctx, reason)
      return guard.explain.rejection(reason, ctx.input)
    },
    headers(ctx: RequestContext, out) {
      guard.headers(ctx, out)
    },
    beforeResponse(ctx: RequestContext) {
      return guard.refuseUnverified(ctx)
        ? guard.explain.rejection('token_unverified', ctx.input)
        : undefined
    },
  }
}

/**
 * Checks the token of a deferred form post (its `csrf` field); call it in the route before
 * anything else. Requests already verified by the plugin (header, bearer, exempt path, no
 * session on an `exemptWithoutSession` path) pass. Otherwise the token must match the session
 * (or, on a `preLogin` path, the pre-login cookie), or this records a `malicious_csrf` event
 * and throws `ERR_CSRF` (403).
 *
 * @example
 * const form = await readForm(req)
 * verifyCsrf(req.tessera, form.csrf)
 */
export function verifyCsrf(ctx: RequestContext, token: unknown): void {
  const guard = ctx.locals.csrfGuard
  configAssert(guard, 'verifyCsrf needs the csrf() plugin in the pipeline')
  if (ctx.locals.csrfState === 'verified') return
  const reason = guard.tokenRefusal(ctx, token)
  if (reason === null) {
    ctx.locals.csrfState = 'verified'
    return
  }
  ctx.locals.csrfState = 'refused'
  guard.report(ctx, reason)
  throw new TesseraError('ERR_CSRF', 'request refused')
}

import { readCookie } from '../core/cookie.js'
import { assertKnownKeys } from '../internal/strict.js'
import type { Plugin, RequestContext, RequestInput } from '../pipeline/types.js'
import { ACCESS_COOKIE } from './bff.js'
import type { RefusalReason } from './policy.js'
import type { AccessAuth, TokenMode } from './token-mode.js'

declare module '../pipeline/types.js' {
  interface RequestLocals {
    /** The verified access token of this request (bearer plugin), when one was sent and valid. */
    bearer?: AccessAuth
    /** Why the access token sent with this request was refused (bearer plugin). */
    bearerRefused?: RefusalReason
  }
}

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  /** Also accept the access token from the BFF `__Host-` cookie. Default false. */
  cookie?: boolean | undefined
}

/**
 * The access token of a request: `Authorization: Bearer <token>` (scheme case-insensitive, one
 * space), else undefined.
 *
 * @example
 * bearerToken(input) // 'eyJ…' or undefined
 */
export function bearerToken(input: RequestInput): string | undefined {
  const auth = input.header('authorization')
  if (auth === undefined || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ')
    return undefined
  return auth.slice(7)
}

/**
 * The bearer plugin: verifies the request's access token before the handler runs and puts the
 * result on `ctx.locals.bearer` (claims and, in stateful mode, the live session record). A bad
 * token is not a rejection here (public routes still work); it leaves `bearer` unset, records
 * the reason, and adds `WWW-Authenticate: Bearer error="invalid_token"`. A store outage in
 * stateful mode is a 503 (fail closed).
 *
 * @example
 * app.use(expressSessions(sessions, { plugins: [csrf({ sessions, origins }), bearerAuth(tokens)] }))
 * // in a handler: req.tessera.locals.bearer?.claims.sub
 */
export function bearerAuth(tokens: TokenMode, options: BearerAuthOptions = {}): Plugin {
  assertKnownKeys(options, ['cookie'], 'bearerAuth()')
  const fromCookie = options.cookie === true
  return {
    name: 'bearer',
    async onRequest(ctx: RequestContext) {
      let token = bearerToken(ctx.input)
      if (token === undefined && fromCookie) {
        const c = readCookie(ctx.input.header('cookie'), ACCESS_COOKIE)
        if (c.kind === 'value') token = c.value
      }
      if (token === undefined) return undefined
      const r = await tokens.authenticate(token)
      if (typeof r === 'string') ctx.locals.bearerRefused = r
      else ctx.locals.bearer = r
      return undefined
    },
    headers(ctx, out) {
      if (ctx.locals.bearerRefused !== undefined)
        out.push(['www-authenticate', 'Bearer error="invalid_token"'])
    },
  }
}

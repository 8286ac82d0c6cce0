import type { Context, MiddlewareHandler } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import type { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import { putHeaders, refusalResponse } from '../../pipeline/fetch-io.js'
import { type Pipeline, rejectionBody, toRejection } from '../../pipeline/pipeline.js'
import { JSON_CONTENT_TYPE, vetoHeaders } from '../../pipeline/respond.js'
import type { HeaderList, RequestContext } from '../../pipeline/types.js'
import { type AdapterOptions, adapterSeam, refusal } from '../seam.js'
import { HonoInput } from './input.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's session (Tessera). */
    session: Session
    /** The pipeline context: input, session and plugin locals such as `cspNonce`. */
    tessera: RequestContext
  }
}

/** Options of {@link honoSessions}: `plugins`, `trustProxy` and the runtime's peer address. */
export interface HonoSessionsOptions extends AdapterOptions {
  /**
   * The runtime's peer-address helper (`getConnInfo` from `@hono/node-server/conninfo`,
   * `hono/bun`, `hono/deno`, …). Without it, `@hono/node-server`'s socket is read if present;
   * otherwise the IP is unknown (sessions then record no IP).
   */
  getConnInfo?: GetConnInfo
}

// Mutates the response's headers in place; `c.header()` would copy the Response per call.
function setHeaders(c: Context, headers: HeaderList): void {
  try {
    putHeaders(c.res.headers, headers)
  } catch {
    // Responses from fetch() have immutable headers: copy once, then write on the copy.
    c.res = new Response(c.res.body, c.res)
    putHeaders(c.res.headers, headers)
  }
}

/**
 * Hono 4 middleware (Node, Bun, Deno, Workers): sets `c.get('session')`, runs the CSRF/header
 * plugins, and after the handler commits the session and adds its headers. Refusals (CSRF,
 * store outage → 503) are answered here and the handler never runs.
 *
 * @example
 * const app = new Hono()
 * app.use(honoSessions(sessions, { plugins: [securityHeaders(), csrf({ sessions, origins })] }))
 * app.get('/me', (c) => c.json({ user: c.get('session').userId }))
 */
export function honoSessions(
  sessions: SessionManager | Pipeline,
  options: HonoSessionsOptions = {},
): MiddlewareHandler {
  const { pipeline, trust } = adapterSeam(sessions, options, 'honoSessions', ['getConnInfo'])
  const { getConnInfo } = options
  return async (c, next) => {
    const begun = pipeline.begin(new HonoInput(c, trust, getConnInfo))
    const { ctx, rejection } = begun instanceof Promise ? await begun : begun
    if (rejection || !ctx) {
      c.res = refusalResponse(pipeline, ctx, refusal(rejection))
      return
    }
    c.set('session', ctx.session)
    c.set('tessera', ctx)
    await next()
    const veto = pipeline.veto(ctx)
    if (veto) {
      // Fail closed: replace the handler's response; the session is not committed.
      const headers = vetoHeaders(pipeline, ctx, veto)
      headers.push(['content-type', JSON_CONTENT_TYPE])
      c.res = undefined
      c.res = new Response(rejectionBody(veto), { status: veto.status, headers })
      return
    }
    try {
      if (!pipeline.commitSync(ctx)) await pipeline.commit(ctx)
    } catch (error) {
      // Fail closed: replace (not merge into) the handler's response.
      c.res = undefined
      c.res = refusalResponse(pipeline, ctx, toRejection(error))
      return
    }
    setHeaders(c, pipeline.responseHeaders(ctx))
  }
}

export type { Session }

import type { Context, MiddlewareHandler } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import { clientInfo, normalizeIp, parseTrustProxy, type TrustProxy } from '../../http/client.js'
import { createPipeline, type Pipeline, rejectionBody, toRejection } from '../../http/pipeline.js'
import { JSON_CONTENT_TYPE, rejectionHeaders } from '../../http/respond.js'
import type {
  HeaderList,
  Plugin,
  Rejection,
  RequestContext,
  RequestInput,
} from '../../http/types.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's session (Tessera). */
    session: Session
    /** The pipeline context: input, session and plugin locals such as `cspNonce`. */
    tessera: RequestContext
  }
}

/** Options of {@link honoSessions}. */
export interface HonoSessionsOptions {
  /** Plugins (CSRF, headers, monitoring) when a bare `SessionManager` is passed. */
  plugins?: Plugin[]
  /** Proxy addresses whose `X-Forwarded-*` headers are believed. */
  trustProxy?: string | readonly string[]
  /**
   * The runtime's peer-address helper (`getConnInfo` from `@hono/node-server/conninfo`,
   * `hono/bun`, `hono/deno`, …). Without it, `@hono/node-server`'s socket is read if present;
   * otherwise the IP is unknown (sessions then record no IP).
   */
  getConnInfo?: GetConnInfo
}

type NodeServerEnv = { incoming?: { socket?: { remoteAddress?: string } } } | undefined

class HonoInput implements RequestInput {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly secure: boolean
  readonly ip: string | undefined
  readonly #c: Context

  constructor(c: Context, trust: TrustProxy, getConnInfo: GetConnInfo | undefined) {
    this.#c = c
    const url = c.req.url
    const q = url.indexOf('?')
    this.method = c.req.method
    this.path = c.req.path
    this.query = q === -1 ? '' : url.slice(q + 1)
    const peer = getConnInfo
      ? getConnInfo(c).remote.address
      : (c.env as NodeServerEnv)?.incoming?.socket?.remoteAddress
    const https = url.startsWith('https:')
    const info = clientInfo(peer, https, (name) => this.header(name), trust)
    this.ip = trust.length === 0 && peer ? normalizeIp(peer) : info.ip
    this.secure = info.secure
  }

  header(name: string): string | undefined {
    return this.#c.req.header(name)
  }
}

function put(target: Headers, headers: HeaderList): void {
  for (const [name, value] of headers) {
    if (name === 'set-cookie') target.append(name, value)
    else target.set(name, value)
  }
}

// Mutates the response's headers in place; `c.header()` would copy the Response per call.
function setHeaders(c: Context, headers: HeaderList): void {
  try {
    put(c.res.headers, headers)
  } catch {
    // Responses from fetch() have immutable headers: copy once, then write on the copy.
    c.res = new Response(c.res.body, c.res)
    put(c.res.headers, headers)
  }
}

function refusal(pipeline: Pipeline, ctx: RequestContext | null, r: Rejection): Response {
  const headers = rejectionHeaders(pipeline, ctx, r)
  headers.push(['content-type', JSON_CONTENT_TYPE])
  return new Response(rejectionBody(r), { status: r.status, headers })
}

/**
 * Hono 4 middleware (Node, Bun, Deno, Workers): sets `c.get('session')`, runs the CSRF/header
 * plugins, and after the handler commits the session and adds its headers. Refusals (CSRF,
 * store outage → 503) are answered here and the handler never runs.
 *
 * @example
 * const app = new Hono()
 * app.use(honoSessions(sessions, { plugins: [securityHeaders(), csrf()] }))
 * app.get('/me', (c) => c.json({ user: c.get('session').userId }))
 */
export function honoSessions(
  sessions: SessionManager | Pipeline,
  options: HonoSessionsOptions = {},
): MiddlewareHandler {
  const pipeline =
    sessions instanceof SessionManager ? createPipeline(sessions, options.plugins) : sessions
  const trust = parseTrustProxy(options.trustProxy)
  const { getConnInfo } = options
  return async (c, next) => {
    const { ctx, rejection } = await pipeline.begin(new HonoInput(c, trust, getConnInfo))
    if (rejection || !ctx) {
      c.res = refusal(pipeline, ctx, rejection ?? toRejection(null))
      return
    }
    c.set('session', ctx.session)
    c.set('tessera', ctx)
    await next()
    let failed: Rejection | null = null
    try {
      await pipeline.commit(ctx)
    } catch (error) {
      failed = toRejection(error)
    }
    if (failed) {
      // Fail closed: replace (not merge into) the handler's response.
      c.res = undefined
      c.res = refusal(pipeline, ctx, failed)
    } else setHeaders(c, pipeline.responseHeaders(ctx))
  }
}

export type { Session }

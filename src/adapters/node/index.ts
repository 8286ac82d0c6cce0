import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import { clientInfo, parseTrustProxy, type TrustProxy } from '../../http/client.js'
import { createPipeline, type Pipeline, rejectionBody, toRejection } from '../../http/pipeline.js'
import type {
  HeaderList,
  Plugin,
  Rejection,
  RequestContext,
  RequestInput,
} from '../../http/types.js'

/** A Node request with its session attached. */
export interface SessionRequest extends IncomingMessage {
  session: Session
  tessera: RequestContext
}

/** Options of {@link nodeHandler}. */
export interface NodeAdapterOptions {
  /** Plugins (CSRF, headers, monitoring) when a bare `SessionManager` is passed. */
  plugins?: Plugin[]
  /** Proxy addresses whose `X-Forwarded-*` headers are believed. */
  trustProxy?: string | readonly string[]
}

type Handler = (req: SessionRequest, res: ServerResponse) => unknown

function sendRejection(res: ServerResponse, r: Rejection, headers: HeaderList): void {
  for (const [n, v] of r.headers ?? []) headers.push([n, v])
  applyHeaders(res, headers)
  res.statusCode = r.status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.end(rejectionBody(r))
}

function applyHeaders(res: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) {
    if (name === 'set-cookie') res.appendHeader(name, value)
    else res.setHeader(name, value)
  }
}

function toInput(req: IncomingMessage, trust: TrustProxy): RequestInput {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const header = (name: string): string | undefined => {
    const v = req.headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const { ip, secure } = clientInfo(
    req.socket.remoteAddress,
    (req.socket as TLSSocket).encrypted === true,
    header,
    trust,
  )
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    secure,
    ip,
    header,
  }
}

/**
 * Wraps a `node:http` handler: loads `req.session`, runs CSRF/header plugins, and commits the
 * session right before the response ends. A store outage answers 503 and the handler never
 * runs. For streamed responses, `await req.session.commit()` before the first write.
 *
 * @example
 * http.createServer(nodeHandler(sessions, (req, res) => {
 *   req.session.set('visits', (req.session.get('visits') ?? 0) + 1)
 *   res.end('hello')
 * }))
 */
export function nodeHandler(
  sessions: SessionManager | Pipeline,
  handler: Handler,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const pipeline =
    sessions instanceof SessionManager ? createPipeline(sessions, options.plugins) : sessions
  const trust = parseTrustProxy(options.trustProxy)
  return async (req, res) => {
    const { ctx, rejection } = await pipeline.begin(toInput(req, trust))
    if (rejection || !ctx)
      return sendRejection(res, rejection ?? toRejection(null), pipeline.responseHeaders(ctx))
    const sreq = req as SessionRequest
    sreq.session = ctx.session
    sreq.tessera = ctx
    let headersApplied = false
    const writeHead = res.writeHead
    const end = res.end
    // Node calls writeHead (implicitly) before the first byte: the last moment to add headers.
    res.writeHead = function (
      this: ServerResponse,
      ...args: Parameters<ServerResponse['writeHead']>
    ) {
      if (!headersApplied) {
        headersApplied = true
        applyHeaders(this, pipeline.responseHeaders(ctx))
      }
      return writeHead.apply(this, args)
    } as ServerResponse['writeHead']
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      pipeline.commit(ctx).then(
        () => (end as (...a: unknown[]) => void).apply(this, args),
        (error: unknown) => {
          // Fail closed: a change we could not save must not look saved.
          if (this.headersSent) return void this.destroy()
          res.writeHead = writeHead
          res.end = end
          sendRejection(this, toRejection(error), pipeline.responseHeaders(ctx))
        },
      )
      return this
    } as ServerResponse['end']
    try {
      await handler(sreq, res)
    } catch (error) {
      console.error('tessera: handler failed', error)
      if (!res.headersSent) {
        res.writeHead = writeHead
        res.end = end
        sendRejection(res, toRejection(error), pipeline.responseHeaders(ctx))
      }
    }
  }
}

export type { Session }

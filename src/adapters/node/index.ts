import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import {
  applyHeaders,
  NodeRequestInput,
  sendRejection,
  vetoResponse,
} from '../../pipeline/node-io.js'
import { type Pipeline, toRejection } from '../../pipeline/pipeline.js'
import type { RequestContext } from '../../pipeline/types.js'
import { type AdapterOptions, adapterSeam, refusal } from '../seam.js'

/** A Node request with its session attached. */
export interface SessionRequest extends IncomingMessage {
  session: Session
  tessera: RequestContext
}

/** Options of {@link nodeHandler}: `plugins` and `trustProxy`. */
export interface NodeAdapterOptions extends AdapterOptions {}

type Handler = (req: SessionRequest, res: ServerResponse) => unknown

/**
 * Wraps a `node:http` handler: loads `req.session`, runs CSRF/header plugins, and commits the
 * session right before the response ends. A store outage answers 503 and the handler never
 * runs. For streamed responses, `await req.session.commit()` before the first write.
 *
 * @example
 * http.createServer(nodeHandler(sessions, (req, res) => {
 *   req.session.set('visits', Number(req.session.get('visits') ?? 0) + 1)
 *   res.end('hello')
 * }))
 */
export function nodeHandler(
  sessions: SessionManager | Pipeline,
  handler: Handler,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { pipeline, trust } = adapterSeam(sessions, options, 'nodeHandler')
  return async (req, res) => {
    const begun = pipeline.begin(new NodeRequestInput(req, trust))
    const { ctx, rejection } = begun instanceof Promise ? await begun : begun
    if (rejection || !ctx) return sendRejection(res, pipeline, ctx, refusal(rejection))
    const sreq = req as SessionRequest
    sreq.session = ctx.session
    sreq.tessera = ctx
    let headersApplied = false
    const { writeHead, end } = res
    const restore = () => {
      res.writeHead = writeHead
      res.end = end
    }
    // Node calls writeHead (implicitly) before the first byte: the last moment to add headers.
    res.writeHead = function (
      this: ServerResponse,
      ...args: Parameters<ServerResponse['writeHead']>
    ) {
      if (!headersApplied) {
        headersApplied = true
        // A streamed response starting unverified (see vetoResponse): cut it off.
        if (pipeline.veto(ctx)) return this.destroy()
        applyHeaders(this, pipeline.responseHeaders(ctx))
      }
      return writeHead.apply(this, args)
    } as ServerResponse['writeHead']
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      const veto = headersApplied ? null : pipeline.veto(ctx)
      if (veto) {
        restore()
        return vetoResponse(this, pipeline, ctx, veto)
      }
      if (pipeline.commitSync(ctx))
        return (end as (...a: unknown[]) => ServerResponse).apply(this, args)
      pipeline.commit(ctx).then(
        () => (end as (...a: unknown[]) => void).apply(this, args),
        (error: unknown) => {
          // Fail closed: a change we could not save must not look saved.
          if (this.headersSent) return void this.destroy()
          restore()
          sendRejection(this, pipeline, ctx, toRejection(error))
        },
      )
      return this
    } as ServerResponse['end']
    try {
      await handler(sreq, res)
    } catch (error) {
      console.error('tessera: handler failed', error)
      if (!res.headersSent) {
        restore()
        sendRejection(res, pipeline, ctx, toRejection(error))
      }
    }
  }
}

export type { Session }

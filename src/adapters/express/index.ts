import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import { parseTrustProxy } from '../../http/client.js'
import { hookResponse, NodeRequestInput, sendRejection } from '../../http/node-io.js'
import { type Begun, createPipeline, type Pipeline, toRejection } from '../../http/pipeline.js'
import type { Plugin, RequestContext } from '../../http/types.js'

declare global {
  // Express types its request through this global namespace; merging here types `req.session`.
  namespace Express {
    interface Request {
      /** The request's session (Tessera). */
      session: Session
      /** The pipeline context: input, session and plugin locals such as `cspNonce`. */
      tessera: RequestContext
    }
  }
}

/** Options of {@link expressSessions}. */
export interface ExpressSessionsOptions {
  /** Plugins (CSRF, headers, monitoring) when a bare `SessionManager` is passed. */
  plugins?: Plugin[]
  /**
   * Proxy addresses whose `X-Forwarded-*` headers are believed. Tessera reads its own list
   * rather than Express's `trust proxy` setting, so every adapter trusts alike.
   */
  trustProxy?: string | readonly string[]
}

/**
 * Express 5 middleware: loads `req.session`, runs the CSRF/header plugins, commits the session
 * before the response ends and adds its headers just before the head is written. A refusal
 * (CSRF, store outage → 503) is answered here and the routes never run.
 *
 * @example
 * const app = express()
 * app.use(expressSessions(sessions, { plugins: [securityHeaders(), csrf({ sessions, origins })] }))
 * app.get('/me', (req, res) => res.json({ user: req.session.userId }))
 */
export function expressSessions(
  sessions: SessionManager | Pipeline,
  options: ExpressSessionsOptions = {},
): RequestHandler {
  const pipeline =
    sessions instanceof SessionManager ? createPipeline(sessions, options.plugins) : sessions
  const trust = parseTrustProxy(options.trustProxy)
  const start = ({ ctx, rejection }: Begun, req: Request, res: Response, next: NextFunction) => {
    if (rejection || !ctx) return sendRejection(res, pipeline, ctx, rejection ?? toRejection(null))
    req.session = ctx.session
    req.tessera = ctx
    // Express announces itself by default; a fingerprint helps attackers pick exploits.
    res.removeHeader('x-powered-by')
    hookResponse(res, pipeline, ctx)
    next()
  }
  // Not an async function: a session the store answers synchronously goes straight on to the
  // routes, without the promise Express would otherwise have to watch.
  return (req, res, next) => {
    // originalUrl: under a mounted router Express strips the mount path from req.url.
    const begun = pipeline.begin(new NodeRequestInput(req, trust, req.originalUrl))
    if (begun instanceof Promise) begun.then((b) => start(b, req, res, next), next)
    else start(begun, req, res, next)
  }
}

export type { Session }

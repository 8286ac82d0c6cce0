import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import {
  contextOf,
  hookResponse,
  NodeRequestInput,
  reserveHookSlot,
  sendRejection,
} from '../../pipeline/node-io.js'
import type { Begun, Pipeline } from '../../pipeline/pipeline.js'
import type { RequestContext } from '../../pipeline/types.js'
import { type AdapterOptions, adapterSeam, refusal } from '../seam.js'

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

/** Options of {@link expressSessions}: `plugins` and `trustProxy` (not Express's `trust proxy`). */
export interface ExpressSessionsOptions extends AdapterOptions {}

const exposed = new WeakSet<object>()

// `req.session` and `req.tessera` are accessors on the app's request prototype that read the
// context kept with the response (see hookResponse), not properties set on each request:
// Express re-parents every request, so each property added to one costs a new hidden class
// (about 2 µs a property). Sub-apps inherit the parent's prototype, so they see them too.
function exposeOn(req: Request): void {
  const proto = Object.getPrototypeOf(req) as object
  if (exposed.has(proto)) return
  exposed.add(proto)
  Object.defineProperties(proto, {
    session: accessor('session', (ctx) => ctx?.session),
    tessera: accessor('tessera', (ctx) => ctx),
  })
  reserveBeforeReparent(req.app as unknown as MountedApp)
}

/** The parts of an Express app used here, which its type definitions leave out. */
interface MountedApp {
  parent?: MountedApp
  handle?: (this: unknown, req: Request, res: Response, next?: NextFunction) => void
}

const reserving = new WeakSet<object>()

// The outermost app re-parents the response first, so its `handle` (the function Express's
// request listener calls) reserves the hook-state slot just before, on every later request;
// see reserveHookSlot. Done once per app, at its first request: no per-request closure. The
// slot is only a speed-up (hookResponse adds it when it is missing), so an app invoked some
// other way still works. Measured on the bench's Express servers, before and after in the same
// run (3 quiet rounds): req/s ÷ plain Express 0.79–0.83× → 0.85–0.87×; `npm run bench` then
// gave 0.86–0.90× (it was 0.80× on a quiet machine before).
function reserveBeforeReparent(app: MountedApp | undefined): void {
  let root = app
  while (root?.parent) root = root.parent
  if (!root || typeof root.handle !== 'function' || reserving.has(root)) return
  reserving.add(root)
  const handle = root.handle
  root.handle = function (this: unknown, req, res, next) {
    reserveHookSlot(res)
    handle.call(this, req, res, next)
  }
}

function accessor(name: string, read: (ctx: RequestContext | undefined) => unknown) {
  return {
    configurable: true,
    get(this: Request) {
      return read(contextOf(this.res))
    },
    // Another middleware may assign its own value: keep it, on that request only.
    set(this: Request, value: unknown) {
      // cookie-session's and express-session's (`unset: 'destroy'`) way to log out: here it
      // would silently leave the session alive and its cookie set, so refuse it loudly.
      if (name === 'session' && (value === null || value === undefined))
        throw new TypeError(
          'req.session = null does not end a Tessera session: call await req.session.destroy()',
        )
      Object.defineProperty(this, name, {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      })
    },
  }
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
  const { pipeline, trust } = adapterSeam(sessions, options, 'expressSessions')
  const start = ({ ctx, rejection }: Begun, req: Request, res: Response, next: NextFunction) => {
    if (rejection || !ctx) return sendRejection(res, pipeline, ctx, refusal(rejection))
    exposeOn(req)
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

import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify'
import type { SessionManager } from '../../core/manager.js'
import type { Session } from '../../core/session.js'
import { NodeRequestInput } from '../../pipeline/node-io.js'
import { type Begun, type Pipeline, rejectionBody, toRejection } from '../../pipeline/pipeline.js'
import { JSON_CONTENT_TYPE, rejectionHeaders, vetoHeaders } from '../../pipeline/respond.js'
import type { RequestContext } from '../../pipeline/types.js'
import { type AdapterOptions, type AdapterSeam, adapterSeam, refusal } from '../seam.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session (Tessera). */
    session: Session
    /** The pipeline context; null when the request was refused before routing. */
    tessera: RequestContext | null
  }
}

/**
 * Options of {@link fastifySessions}: the sessions, plus `plugins` and `trustProxy` (Tessera's
 * own list, not Fastify's `trustProxy` setting).
 */
export interface FastifySessionsOptions extends AdapterOptions {
  /** A `SessionManager` (with `plugins`) or a ready `Pipeline`. */
  sessions: SessionManager | Pipeline
}

// Fastify's own registration options reach the plugin in the same object.
const FASTIFY_KEYS = ['sessions', 'prefix', 'logLevel', 'logSerializers']

const plugin: FastifyPluginCallback<FastifySessionsOptions> = (fastify, options, done) => {
  // A plugin that throws is lost by Fastify's loader: hand a configuration error to `done`.
  let seam: AdapterSeam
  try {
    seam = adapterSeam(options.sessions, options, 'fastifySessions', FASTIFY_KEYS)
  } catch (error) {
    return done(error as Error)
  }
  const { pipeline, trust } = seam
  fastify.decorateRequest('session', null as unknown as Session)
  fastify.decorateRequest('tessera', null)

  const start = (
    { ctx, rejection }: Begun,
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ) => {
    if (rejection || !ctx) {
      // `tessera` stays null, so onSend neither commits nor adds headers a second time.
      // Replying from a callback hook ends the request here: `done` must not be called.
      const r = refusal(rejection)
      for (const [name, value] of rejectionHeaders(pipeline, ctx, r)) reply.header(name, value)
      reply.code(r.status).type(JSON_CONTENT_TYPE).send(rejectionBody(r))
      return
    }
    request.session = ctx.session
    request.tessera = ctx
    done()
  }
  // Callback style: a session the store answers synchronously costs no promise at all.
  fastify.addHook('onRequest', (request, reply, done) => {
    const begun = pipeline.begin(new NodeRequestInput(request.raw, trust))
    if (begun instanceof Promise) begun.then((b) => start(b, request, reply, done), done)
    else start(begun, request, reply, done)
  })

  // onSend runs for every reply (routes, 404s, error handler) right before the head is written.
  // Callback style: a read-only request has nothing to commit and finishes synchronously.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const ctx = request.tessera
    if (!ctx) return done(null, payload)
    const veto = pipeline.veto(ctx)
    if (veto) {
      // Fail closed: the handler's reply is replaced and the session left uncommitted.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
      for (const [name, value] of vetoHeaders(pipeline, ctx, veto)) reply.header(name, value)
      reply.code(veto.status).type(JSON_CONTENT_TYPE)
      return done(null, rejectionBody(veto))
    }
    const send = () => {
      for (const [name, value] of pipeline.responseHeaders(ctx)) reply.header(name, value)
      done(null, payload)
    }
    if (pipeline.commitSync(ctx)) return send()
    pipeline.commit(ctx).then(send, (error: unknown) => {
      // Fail closed: a change we could not save must not look saved.
      const r = toRejection(error)
      reply.removeHeader('set-cookie')
      for (const [name, value] of rejectionHeaders(pipeline, ctx, r)) reply.header(name, value)
      reply.code(r.status).type(JSON_CONTENT_TYPE)
      done(null, rejectionBody(r))
    })
  })
  done()
}

// What fastify-plugin does: share the hooks and decorators with the parent scope (no encapsulation).
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tessera',
  [Symbol.for('plugin-meta')]: { name: 'tessera', fastify: '5.x' },
})

/**
 * Fastify 5 plugin: decorates `request.session`, loads it in `onRequest` (refusals such as
 * CSRF or a store outage → 503 are answered there, and the route never runs), and commits it
 * in `onSend`, adding the session and plugin headers to every reply.
 *
 * @example
 * const app = Fastify()
 * await app.register(fastifySessions, { sessions, plugins: [securityHeaders(), csrf({ sessions, origins })] })
 * app.get('/me', async (request) => ({ user: request.session.userId }))
 */
export const fastifySessions: FastifyPluginCallback<FastifySessionsOptions> = plugin

export type { Session }

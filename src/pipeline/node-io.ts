import { type IncomingHttpHeaders, type IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { clientInfo, normalizeIp, type TrustProxy } from './client.js'
import { type Pipeline, rejectionBody, toRejection } from './pipeline.js'
import { JSON_CONTENT_TYPE, rejectionHeaders, vetoHeaders } from './respond.js'
import type { HeaderList, Rejection, RequestContext, RequestInput } from './types.js'

/**
 * A {@link RequestInput} read straight off a Node request, for adapters over `node:http`
 * (Express, Fastify): no Fetch objects and no closures per request.
 *
 * @example
 * const input = new NodeRequestInput(req, parseTrustProxy('10.0.0.1'))
 * input.header('cookie')
 */
export class NodeRequestInput implements RequestInput {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly secure: boolean
  readonly ip: string | undefined
  readonly #headers: IncomingHttpHeaders

  /** `url` overrides `req.url` (Express rewrites it under mounted routers). */
  constructor(req: IncomingMessage, trust: TrustProxy, url = req.url ?? '/') {
    this.#headers = req.headers
    this.method = req.method ?? 'GET'
    const q = url.indexOf('?')
    this.path = q === -1 ? url : url.slice(0, q)
    this.query = q === -1 ? '' : url.slice(q + 1)
    const peer = req.socket.remoteAddress
    const encrypted = (req.socket as TLSSocket).encrypted === true
    if (trust.length === 0) {
      this.ip = peer ? normalizeIp(peer) : undefined
      this.secure = encrypted
    } else {
      const info = clientInfo(peer, encrypted, (name) => this.header(name), trust)
      this.ip = info.ip
      this.secure = info.secure
    }
  }

  header(name: string): string | undefined {
    const v = this.#headers[name]
    return typeof v === 'string' ? v : v?.[0]
  }
}

/**
 * Writes headers onto a Node response; `Set-Cookie` is appended, never replaced.
 *
 * @example
 * applyHeaders(res, pipeline.responseHeaders(ctx))
 */
export function applyHeaders(res: ServerResponse, headers: HeaderList): void {
  // Indexed, not `for…of` with destructuring: this runs on every response.
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!
    if (h[0] === 'set-cookie') res.appendHeader(h[0], h[1])
    else res.setHeader(h[0], h[1])
  }
}

/**
 * Answers a refusal on a Node response: status, pipeline headers, JSON error body.
 *
 * @example
 * if (rejection) return sendRejection(res, pipeline, ctx, rejection)
 */
export function sendRejection(
  res: ServerResponse,
  pipeline: Pipeline,
  ctx: RequestContext | null,
  r: Rejection,
): void {
  applyHeaders(res, rejectionHeaders(pipeline, ctx, r))
  res.statusCode = r.status
  res.setHeader('content-type', JSON_CONTENT_TYPE)
  res.end(rejectionBody(r))
}

/**
 * Answers a vetoed response ({@link Pipeline.veto}) instead of the handler's: the handler's
 * headers are dropped, no cookie is set and the session is not committed. Call it before the
 * head is written.
 *
 * @example
 * const veto = pipeline.veto(ctx)
 * if (veto) return vetoResponse(res, pipeline, ctx, veto)
 */
export function vetoResponse(
  res: ServerResponse,
  pipeline: Pipeline,
  ctx: RequestContext,
  r: Rejection,
): ServerResponse {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  applyHeaders(res, vetoHeaders(pipeline, ctx, r))
  res.statusCode = r.status
  res.setHeader('content-type', JSON_CONTENT_TYPE)
  return res.end(rejectionBody(r))
}

const kOriginal = Symbol('tessera.original')

class HookState {
  headersApplied = false
  ending = false
  constructor(
    readonly pipeline: Pipeline,
    readonly ctx: RequestContext,
  ) {}
}

type Hooked = ServerResponse & {
  [kOriginal]: { writeHead: Function3; end: Function3 }
}

// Where a response's hook state lives: a property under a module-private symbol, which no
// application code can reach or replace. It used to be `res.locals` under Express, but a
// middleware that reassigns `res.locals` then silently dropped the session save and the CSP.
// Not a WeakMap: measured on Express, a WeakMap entry per request cost more than the hidden
// class the property adds (Express adapter 0.69× plain Express with a WeakMap, 0.80× with the
// symbol, same run conditions; 0.86–0.90× once Express reserves the slot, see reserveHookSlot).
const kState = Symbol('tessera.response')
type Slot = { [kState]?: HookState | undefined }
const states = {
  get: (res: ServerResponse) => (res as Slot)[kState],
  set: (res: ServerResponse, s: HookState) => {
    ;(res as Slot)[kState] = s
  },
  delete: (res: ServerResponse) => {
    ;(res as Slot)[kState] = undefined
  },
}

/**
 * Gives `res` its (empty) hook-state slot now, while its hidden class is still Node's own, so
 * that {@link hookResponse} later writes an existing property instead of adding one. Express
 * re-parents every response (`Object.setPrototypeOf`), and V8 then builds a brand-new hidden
 * class for each property added afterwards (no cached transition: measured a new map on every
 * response), about 1–3 µs apiece. Never overwrites a slot already set, so a re-entered
 * `app.handle` cannot drop the state of a response already hooked.
 *
 * @example
 * reserveHookSlot(res) // before the framework re-parents res
 */
export function reserveHookSlot(res: ServerResponse): void {
  // Only real responses: it runs for every request of the app, and a test's stand-in (or a
  // frozen object) must not start failing in routes that never reach the adapter.
  if (res instanceof ServerResponse && (res as Slot)[kState] === undefined) {
    ;(res as Slot)[kState] = undefined
  }
}

/**
 * The pipeline context of a response hooked by {@link hookResponse}, or undefined.
 *
 * @example
 * contextOf(res)?.session.userId
 */
export function contextOf(res: ServerResponse | undefined): RequestContext | undefined {
  return res ? states.get(res)?.ctx : undefined
}

// Node's writeHead(status, reason, headers) and end(chunk, encoding, callback) treat a missing
// argument and `undefined` alike, so the hooks pass three fixed arguments: no rest array and
// no `apply` on every response.
type Function3 = (this: ServerResponse, a?: unknown, b?: unknown, c?: unknown) => unknown

// Installed once on a prototype; they pass straight through for responses without state.
function hookedWriteHead(this: Hooked, a?: unknown, b?: unknown, c?: unknown): unknown {
  const s = states.get(this)
  // Node calls writeHead (implicitly) before the first byte: the last moment to add headers.
  if (s && !s.headersApplied) {
    s.headersApplied = true
    // A streamed response starting unverified (see vetoResponse): cut it off.
    if (s.pipeline.veto(s.ctx)) return this.destroy()
    applyHeaders(this, s.pipeline.responseHeaders(s.ctx))
  }
  return this[kOriginal].writeHead.call(this, a, b, c)
}

function hookedEnd(this: Hooked, a?: unknown, b?: unknown, c?: unknown): unknown {
  const s = states.get(this)
  if (!s) return this[kOriginal].end.call(this, a, b, c)
  if (!s.ending) {
    s.ending = true
    const veto = s.headersApplied ? null : s.pipeline.veto(s.ctx)
    if (veto) {
      states.delete(this)
      return vetoResponse(this, s.pipeline, s.ctx, veto)
    }
    if (s.pipeline.commitSync(s.ctx)) return this[kOriginal].end.call(this, a, b, c)
    void commitThenEnd(this, s, a, b, c)
  }
  return this
}

async function commitThenEnd(
  res: Hooked,
  s: HookState,
  a: unknown,
  b: unknown,
  c: unknown,
): Promise<void> {
  try {
    await s.pipeline.commit(s.ctx)
  } catch (error) {
    // Fail closed: a change we could not save must not look saved.
    if (res.headersSent) return void res.destroy()
    states.delete(res)
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    return sendRejection(res, s.pipeline, s.ctx, toRejection(error))
  }
  res[kOriginal].end.call(res, a, b, c)
}

/**
 * Makes a Node response commit the session before it ends and add the session and plugin
 * headers just before its head is written. The two hooks are installed once on the
 * response's prototype (for Express, `app.response`, its documented extension point), not on
 * each response: own-property patching per request costs several microseconds. Streamed
 * responses should `await req.session.commit()` before their first write.
 *
 * @example
 * hookResponse(res, pipeline, ctx)
 */
export function hookResponse(res: ServerResponse, pipeline: Pipeline, ctx: RequestContext): void {
  const proto = Object.getPrototypeOf(res) as ServerResponse
  // Cheapest test first: on every request after the first, `end` is already ours.
  if (proto.end !== hookedEnd && !Object.hasOwn(proto, kOriginal)) {
    ;(proto as Hooked)[kOriginal] = {
      writeHead: proto.writeHead as Function3,
      end: proto.end as Function3,
    }
    proto.writeHead = hookedWriteHead as ServerResponse['writeHead']
    proto.end = hookedEnd as ServerResponse['end']
  }
  states.set(res, new HookState(pipeline, ctx))
}

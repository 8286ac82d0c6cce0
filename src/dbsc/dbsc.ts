import { readCookie } from '../core/cookie.js'
import type { SessionRecord } from '../core/record.js'
import type { Session } from '../core/session.js'
import { liveSummaries, type SessionSummary } from '../core/summary.js'
import type { Plugin, Rejection, RequestContext } from '../pipeline/types.js'
import { clearBoundCookie, emitLimited, type Kit, makeKit } from './kit.js'
import { type DbscOptions, resolveDbscOptions, type UnboundPolicy } from './options.js'
import { type DbscReply, registrationHeader } from './protocol.js'
import { refresh } from './refresh.js'
import { register } from './register.js'
import { BINDING_KEY, boundId } from './state.js'

/**
 * Where the request's session stands: `none` (no signed-in session), `unbound`, `bound`
 * (bound, with a valid bound cookie), or why a bound session's cookie failed.
 */
export type BoundState = 'none' | 'unbound' | 'bound' | 'missing' | 'invalid' | 'expired'

/** A session-list row that says whether the session is bound to its device. */
export type BoundSummary = SessionSummary & { bound: boolean }

const STATE = 'dbsc'
// The record the request arrived with: a registration is offered only on a response whose
// request signed in (a new record). A renewal due on a copied cookie also sends the session
// cookie, with the record still dated from the sign-in, before its commit (a refusal, a
// streamed response): that must not hand a thief a challenge for the victim's sign-in.
const LOADED = 'dbsc:loaded'
// A path that is safe to send back as a Location: one leading slash (no `//host`), no
// backslash, no whitespace or controls.
const SAFE_PATH = /^\/(?!\/)[^\\\s\x00-\x1f]*$/
const REFUSE_MISSING: Rejection = Object.freeze({
  status: 403,
  code: 'ERR_DBSC_REQUIRED',
  message: 'this session is bound to a device and the request lacks its bound cookie',
}) as Rejection
const REFUSE_UNBOUND: Rejection = Object.freeze({
  status: 403,
  code: 'ERR_DBSC_REQUIRED',
  message: 'this action needs a session bound to its device',
}) as Rejection
const STEP_UP: Rejection = Object.freeze({
  status: 401,
  code: 'ERR_REAUTH_REQUIRED',
  message: 're-authentication required',
}) as Rejection

/**
 * Device Bound Session Credentials for Tessera sessions: offers registration at sign-in, runs
 * the registration and refresh endpoints, checks the short-lived bound cookie on every request
 * of a bound session (a MAC, no signature and no store read), raises `session_anomaly` when a
 * bound session's cookie arrives without it, and guards routes with {@link Dbsc.requireBound}.
 *
 * @example
 * const dbsc = createDbsc({ sessions, secret: process.env.DBSC_SECRET!, guard: { paths: ['/transfer'] } })
 * app.use(expressSessions(sessions, { plugins: [csrf({ sessions }), dbsc.plugin()] }))
 * // route POST /dbsc/register → dbsc.register(ctx), POST /dbsc/refresh → dbsc.refresh(ctx)
 */
export class Dbsc {
  readonly #kit: Kit
  /** Set once `plugin()` was called: only then does a response clear a bad bound cookie. */
  #clears = false

  constructor(options: DbscOptions) {
    this.#kit = makeKit(resolveDbscOptions(options))
  }

  /** The registration endpoint's path. */
  get registrationPath(): string {
    return this.#kit.o.registrationPath
  }
  /** The refresh endpoint's path. */
  get refreshPath(): string {
    return this.#kit.o.refreshPath
  }

  /** Handles the registration endpoint (`POST`). Send the reply as it is. */
  register(ctx: RequestContext): Promise<DbscReply> {
    return register(this.#kit, ctx)
  }

  /** Handles the refresh endpoint (`POST`). Send the reply as it is. */
  refresh(ctx: RequestContext): Promise<DbscReply> {
    return refresh(this.#kit, ctx)
  }

  /**
   * The request's {@link BoundState}, computed once per request: for a bound session, one
   * HMAC over the bound cookie; for any other, a property read.
   */
  state(ctx: RequestContext): BoundState {
    const cached = ctx.locals[STATE] as BoundState | undefined
    if (cached !== undefined) return cached
    const record = ctx.session.record
    let state: BoundState
    if (record === null || record.userId === null) state = 'none'
    else {
      const id = boundId(record)
      if (id === null) state = 'unbound'
      else {
        const found = readCookie(ctx.input.header('cookie'), this.#kit.o.cookie.name)
        if (found.kind === 'value') {
          const now = this.#kit.o.sessions.options.clock.now()
          const checked = this.#kit.bound.check(found.value, id, now)
          state = checked === 'ok' ? 'bound' : checked
        } else state = found.kind === 'absent' ? 'missing' : 'invalid' // duplicated: tossed
      }
    }
    ctx.locals[STATE] = state
    return state
  }

  /**
   * The guard: a bound session must present a valid bound cookie (else 403); an unbound one
   * gets `unbound` (default: the `guard.unbound` option, itself `allow`). Requests without a
   * signed-in session pass (authentication is the route's own check). Returns the refusal to
   * send, or undefined. Usable from any adapter: pass the request context.
   *
   * @example
   * const refusal = dbsc.requireBound(req.tessera, 'step-up')
   * if (refusal) return res.status(refusal.status).json({ error: refusal })
   */
  requireBound(
    ctx: RequestContext,
    unbound: UnboundPolicy = this.#kit.o.unbound,
  ): Rejection | undefined {
    const state = this.state(ctx)
    if (state === 'none' || state === 'bound') return undefined
    if (state === 'invalid' || state === 'expired') return this.#retry(ctx)
    if (state !== 'unbound') return REFUSE_MISSING
    if (unbound === 'allow') return undefined
    if (unbound === 'step-up') return ctx.session.isFresh() ? undefined : STEP_UP
    return REFUSE_UNBOUND
  }

  // A bound cookie that is there but stale or unknown (the secret changed, a clock jumped): the
  // draft's "point-in-time challenge". The plugin clears the cookie on this response, and a 307
  // to the same URL makes a DBSC browser refresh before it repeats the request (method and
  // body kept). Clients without DBSC just get the redirect, and the anomaly is already raised.
  #retry(ctx: RequestContext): Rejection {
    const path = ctx.input.path
    if (!this.#clears || !SAFE_PATH.test(path)) return REFUSE_MISSING
    const location = ctx.input.query ? `${path}?${ctx.input.query}` : path
    return {
      status: 307,
      code: 'ERR_DBSC_REFRESH',
      message: 'the bound cookie must be refreshed; retry',
      headers: [['location', location]],
    }
  }

  /**
   * The pipeline plugin: checks bound sessions on every request (an anomaly event when the
   * bound cookie is missing or wrong, outside the DBSC endpoints), applies the guard to
   * `guard.paths`, offers registration on the response of a sign-in or re-authentication of an
   * unbound session, and clears the bound cookie on logout.
   */
  plugin(): Plugin {
    const kit = this.#kit
    const o = kit.o
    this.#clears = true
    return {
      name: 'dbsc',
      onRequest: (ctx) => {
        const record = ctx.session.record
        ctx.locals[LOADED] = record
        if (record === null || record.data[BINDING_KEY] === undefined) {
          return o.guardPaths.has(ctx.input.path) ? this.requireBound(ctx) : undefined
        }
        const path = ctx.input.path
        if (path === o.refreshPath || path === o.registrationPath) return undefined
        const state = this.state(ctx)
        if (state !== 'bound' && state !== 'unbound' && state !== 'none') {
          // The long-lived cookie without the short-lived one: a copied cookie, or a browser
          // whose refresh failed (it says so in Secure-Session-Skipped, which anyone can send).
          const skipped = ctx.input.header('secure-session-skipped')
          const reason = skipped ? 'dbsc_skipped' : `dbsc_${state}`
          emitLimited(kit, ctx, 'session_anomaly', 'critical', record, reason)
        }
        return o.guardPaths.has(path) ? this.requireBound(ctx) : undefined
      },
      headers: (ctx, out) => {
        const checked = ctx.locals[STATE]
        if (checked === 'invalid' || checked === 'expired')
          out.push(['set-cookie', clearBoundCookie(kit)])
        const s = ctx.session
        if (s.clearSiteData !== null) {
          if (ctx.input.header('cookie')?.includes(o.cookie.name))
            out.push(['set-cookie', clearBoundCookie(kit)])
          return
        }
        if (s.setCookie === null) return
        const loaded = ctx.locals[LOADED]
        if (loaded === undefined || loaded === s.record) return
        const offer = this.offer(s)
        if (offer !== null) out.push(['secure-session-registration', offer])
      },
    }
  }

  /**
   * The `Secure-Session-Registration` value to send with the response of a sign-in or
   * re-authentication (the session was just regenerated with `authenticated: true`), or null:
   * not signed in, a token session, already bound, or not a fresh sign-in. The plugin sends it
   * by itself; call this only without the plugin, and only on the response of the request that
   * called `regenerate({ authenticated: true })` (a renewal response would hand whoever sent
   * that request, maybe a copied cookie, a challenge for this sign-in).
   */
  offer(session: Session): string | null {
    const r = session.record
    if (r === null || r.userId === null || r.meta.kind === 'token') return null
    if (r.authenticatedAt === null || r.authenticatedAt !== r.renewedAt) return null
    if (boundId(r) !== null) return null
    const o = this.#kit.o
    const now = o.sessions.options.clock.now()
    const challenge = this.#kit.registration.issue(
      r.handle,
      r.authenticatedAt,
      now + o.challengeTtlMs,
    )
    return registrationHeader(o.algorithms, o.registrationPath, challenge)
  }

  /**
   * Ends the session's binding with this request's commit (call it before a password change's
   * `regenerate`): the browser's next refresh answers `{"continue": false}`.
   *
   * @example
   * dbsc.end(req.session); await req.session.regenerate({ authenticated: true })
   */
  end(session: Session): void {
    if (session.get(BINDING_KEY) !== undefined) session.delete(BINDING_KEY)
  }

  /** True when the record is bound to a device key. */
  isBound(record: Readonly<SessionRecord> | null): boolean {
    return boundId(record) !== null
  }

  /**
   * The live sessions of the current session's user (as `sessions.list`), each with `bound`:
   * one store read. Empty for an anonymous session.
   *
   * @example
   * const rows = await dbsc.list(req.session)
   */
  async list(current: Pick<Session, 'userId' | 'handle'>): Promise<BoundSummary[]> {
    const userId = current.userId
    if (userId === null) return []
    const sessions = this.#kit.o.sessions
    const records = await sessions.storeCall((store) => store.listByUser(userId))
    const bound = new Set(records.filter((r) => boundId(r) !== null).map((r) => r.handle))
    const now = sessions.options.clock.now()
    const mine = current.handle as Parameters<typeof liveSummaries>[2]
    return liveSummaries(records, now, mine).map((s) => ({ ...s, bound: bound.has(s.handle) }))
  }
}

/**
 * Creates the DBSC support for a session manager; unsafe or unknown options throw `ERR_CONFIG`.
 *
 * @example
 * const dbsc = createDbsc({ sessions, secret: process.env.DBSC_SECRET! })
 */
export function createDbsc(options: DbscOptions): Dbsc {
  return new Dbsc(options)
}

import { readCookie } from '../core/cookie.js'
import { configAssert, TesseraError } from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import type { Plugin, Rejection, RequestContext, RequestInput } from '../http/types.js'
import { parseOrigins, SourceCheck, type SourceRefusal } from './origin.js'
import { maskToken, verifyToken } from './token.js'

declare module '../http/types.js' {
  interface RequestLocals {
    /**
     * CSRF state of this request (CSRF plugin): `verified` (token, bearer or exempt path),
     * `pending` (a form post whose `csrf` field the route must pass to `verifyCsrf`),
     * `refused` (by `verifyCsrf`), or unset.
     */
    csrfState?: 'verified' | 'pending' | 'refused'
    /** The plugin guarding this request (used by `verifyCsrf`). */
    csrfGuard?: CsrfGuard
  }
}

/** The label under which the CSRF secret is derived from the session token. */
export const CSRF_SECRET_LABEL = 'tessera/csrf'

/** Why a request was refused: the `reason` of its `malicious_csrf` event. */
export type CsrfRefusal = SourceRefusal | 'no_session' | 'token_missing' | 'token_invalid'

/** Options of {@link csrf}. */
export interface CsrfOptions {
  /** The session manager: its cookie name and its event bus (refusals emit `malicious_csrf`). */
  sessions: SessionManager
  /** The exact origins the app is served under, e.g. `['https://bank.example']`. Required. */
  origins: readonly string[]
  /**
   * Sibling origins on the same site that may post here. Only when this is non-empty is
   * `Sec-Fetch-Site: same-site` accepted, and then `Origin` must be one of these or `origins`.
   */
  trustedOrigins?: readonly string[]
  /** Request header carrying the token. Default `x-csrf-token`. Lower-case. */
  header?: string
  /** Paths (exact) with no ambient authority to protect, e.g. token endpoints. Default none. */
  exemptPaths?: readonly string[]
  /**
   * Which form posts (`application/x-www-form-urlencoded`, `multipart/form-data`) without the
   * header may reach their route, which must then call `verifyCsrf(ctx, form.csrf)` before
   * doing anything. Fetch Metadata and Origin are still checked here. Default: none (every
   * unsafe request needs the header).
   */
  deferForms?: (input: RequestInput) => boolean
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data'])
const REFUSED: Rejection = Object.freeze({
  status: 403,
  code: 'ERR_CSRF',
  message: 'request refused',
}) as Rejection
const HEADER_NAME = /^[a-z0-9-]+$/
// Derived secrets kept per guard (see CsrfGuard.#secret): 10 000 × ~150 bytes.
const SECRET_CACHE_SIZE = 10_000

/**
 * The per-plugin logic, reachable from handlers through `ctx.locals.csrfGuard`.
 *
 * @example
 * ctx.locals.csrfGuard?.issue(ctx)
 */
export class CsrfGuard {
  readonly #sessions: SessionManager
  readonly #cookieName: string
  readonly #source: SourceCheck
  readonly #header: string
  readonly #exempt: ReadonlySet<string>
  readonly #deferForms: ((input: RequestInput) => boolean) | null
  readonly #secrets = new Map<string, Buffer>()
  #warned = false

  constructor(o: CsrfOptions) {
    configAssert(o?.sessions, 'csrf: pass { sessions } (the session manager)')
    const origins = parseOrigins(o.origins, 'csrf.origins')
    configAssert(origins.length > 0, 'csrf.origins must list the origin(s) the app is served under')
    this.#sessions = o.sessions
    this.#cookieName = o.sessions.options.cookie.name
    this.#source = new SourceCheck(origins, parseOrigins(o.trustedOrigins, 'csrf.trustedOrigins'))
    this.#header = o.header ?? 'x-csrf-token'
    configAssert(HEADER_NAME.test(this.#header), 'csrf.header must be a lower-case header name')
    this.#exempt = new Set(o.exemptPaths ?? [])
    this.#deferForms = o.deferForms ?? null
  }

  /** A fresh masked token for the request's session, starting a pre-session if needed. */
  issue(ctx: RequestContext): string {
    ctx.session.ensure()
    return maskToken(this.#secret(ctx)!)
  }

  /** True when `token` belongs to the request's current session. */
  matches(ctx: RequestContext, token: unknown): boolean {
    const secret = this.#secret(ctx)
    return secret !== null && verifyToken(token, secret)
  }

  // The two SHA-256 derivations are the largest part of a check, so secrets are kept, decoded,
  // by session id. The id is a hash of the token and a session's secret never changes while its
  // id lives (regeneration and renewal make a new id), so an entry cannot go stale; beyond the
  // bound the oldest entries go first. The cache holds no credential: a secret only checks tokens.
  #secret(ctx: RequestContext): Buffer | null {
    const id = ctx.session.id
    if (id === null) return null
    let secret = this.#secrets.get(id)
    if (secret === undefined) {
      const derived = ctx.session.deriveSecret(CSRF_SECRET_LABEL)
      if (derived === null) return null
      secret = Buffer.from(derived, 'base64url')
      if (this.#secrets.size >= SECRET_CACHE_SIZE) {
        this.#secrets.delete(this.#secrets.keys().next().value as string)
      }
      this.#secrets.set(id, secret)
    }
    return secret
  }

  /** Runs the three layers; returns the refusal reason, or null when the request may proceed. */
  check(ctx: RequestContext): CsrfRefusal | null {
    const input = ctx.input
    if (SAFE_METHODS.has(input.method) || this.#exempt.has(input.path) || this.#bearerOnly(input)) {
      if (!SAFE_METHODS.has(input.method)) ctx.locals.csrfState = 'verified'
      return null
    }
    const refused = this.#source.refusal(input)
    if (refused) return refused
    const sent = input.header(this.#header)
    if (sent === undefined && this.#deferForms && isForm(input) && this.#deferForms(input)) {
      ctx.locals.csrfState = 'pending'
      return null
    }
    if (!ctx.session.exists) return 'no_session'
    if (!sent) return 'token_missing'
    if (!this.matches(ctx, sent)) return 'token_invalid'
    ctx.locals.csrfState = 'verified'
    return null
  }

  /** Records a refusal as an alert-level `malicious_csrf` event. */
  report(ctx: RequestContext, reason: CsrfRefusal): void {
    const s = ctx.session
    this.#sessions.emit({
      type: 'malicious_csrf',
      level: 'critical',
      userId: s.userId,
      handle: s.handle,
      ip: s.request.ip,
      userAgent: s.request.userAgent,
      reason,
    })
  }

  /** Says once, loudly, that a deferred form post finished without `verifyCsrf`. */
  warnUnverified(ctx: RequestContext): void {
    if (ctx.locals.csrfState !== 'pending' || this.#warned) return
    this.#warned = true
    console.error(
      `tessera csrf: a form post to ${ctx.input.path} was deferred to its route, which never called verifyCsrf(); it is unprotected`,
    )
  }

  // A bearer credential is not ambient: a forged cross-site request cannot attach it. Only when
  // no session cookie rides along, or a cookie-authenticated request could claim the exemption.
  #bearerOnly(input: RequestInput): boolean {
    const auth = input.header('authorization')
    if (auth === undefined || auth.length < 8 || auth.slice(0, 7).toLowerCase() !== 'bearer ')
      return false
    return readCookie(input.header('cookie'), this.#cookieName).kind === 'absent'
  }
}

function isForm(input: RequestInput): boolean {
  const type = input.header('content-type')
  if (!type) return false
  const semi = type.indexOf(';')
  return FORM_TYPES.has((semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase())
}

/**
 * The CSRF plugin: Fetch Metadata, then `Origin`/`Referer`, then a session-bound synchronizer
 * token, for every unsafe method (anything but GET, HEAD, OPTIONS, TRACE). A refusal is a 403
 * `ERR_CSRF` and a `malicious_csrf` event (level `critical`), and the handler never runs.
 * Handlers get tokens from `ctx.locals.csrfToken()` (masked afresh on every call, BREACH-safe).
 * The token is read from the `X-CSRF-Token` header only; never from the query string or a
 * cookie. Form posts can carry it in a field instead: see `deferForms` and {@link verifyCsrf}.
 *
 * @example
 * const pipeline = createPipeline(sessions, [
 *   securityHeaders(),
 *   csrf({ sessions, origins: ['https://bank.example'], exemptPaths: ['/api/token'] }),
 * ])
 */
export function csrf(options: CsrfOptions): Plugin {
  const guard = new CsrfGuard(options)
  return {
    name: 'csrf',
    onRequest(ctx: RequestContext) {
      ctx.locals.csrfGuard = guard
      ctx.locals.csrfToken = () => guard.issue(ctx)
      const reason = guard.check(ctx)
      if (reason === null) return undefined
      guard.report(ctx, reason)
      return REFUSED
    },
    headers(ctx: RequestContext) {
      if (ctx.locals.csrfState === 'pending') guard.warnUnverified(ctx)
    },
  }
}

/**
 * Checks the token of a deferred form post (its `csrf` field); call it in the route before
 * anything else. Requests already verified by the plugin (header, bearer, exempt path) pass.
 * Otherwise the token must match the session, or this records a `malicious_csrf` event and
 * throws `ERR_CSRF` (403).
 *
 * @example
 * const form = await readForm(req)
 * verifyCsrf(req.tessera, form.csrf)
 */
export function verifyCsrf(ctx: RequestContext, token: unknown): void {
  const guard = ctx.locals.csrfGuard
  configAssert(guard, 'verifyCsrf needs the csrf() plugin in the pipeline')
  if (ctx.locals.csrfState === 'verified') return
  const reason: CsrfRefusal | null = !ctx.session.exists
    ? 'no_session'
    : typeof token !== 'string' || token.length === 0
      ? 'token_missing'
      : guard.matches(ctx, token)
        ? null
        : 'token_invalid'
  if (reason === null) {
    ctx.locals.csrfState = 'verified'
    return
  }
  ctx.locals.csrfState = 'refused'
  guard.report(ctx, reason)
  throw new TesseraError('ERR_CSRF', 'request refused')
}

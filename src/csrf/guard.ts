import { readCookie, serializeCookie } from '../core/cookie.js'
import { parseDuration } from '../core/duration.js'
import { configAssert } from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import { sessionIdOf } from '../core/session.js'
import { assertKnownKeys, optionKeys, refuseTinyDuration } from '../internal/strict.js'
import type { HeaderList, RequestContext, RequestInput } from '../pipeline/types.js'
import {
  type CsrfOptions,
  type CsrfRefusal,
  type PreLoginOptions,
  refusalLevel,
} from './options.js'
import { parseOrigins, SourceCheck } from './origin.js'
import { RoutedInput, routedPath } from './path.js'
import { PreLoginTokens } from './pre-login.js'
import { maskToken, verifyToken } from './token.js'
import { RefusalExplainer } from './explain.js'

declare module '../pipeline/types.js' {
  interface RequestLocals {
    /**
     * CSRF state of this request (CSRF plugin): `verified` (token, bearer, exempt path, or
     * nothing to protect), `pending` (a form post whose `csrf` field the route must pass to
     * `verifyCsrf`), `refused`, or unset.
     */
    csrfState?: 'verified' | 'pending' | 'refused'
    /** The plugin guarding this request (used by `verifyCsrf`). */
    csrfGuard?: CsrfGuard
    /** The pre-login nonce of this request, once known (CSRF plugin). */
    csrfNonce?: string
    /** True when the response must set the pre-login cookie (CSRF plugin). */
    csrfNewNonce?: boolean
  }
}

/** The label under which the CSRF secret is derived from the session token. */
export const CSRF_SECRET_LABEL = 'tessera/csrf'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data'])
const HEADER_NAME = /^[a-z0-9-]+$/
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const NO_STORE: [string, string] = ['cache-control', 'no-store']
// Derived secrets kept per guard (see CsrfGuard.#secret): 10 000 × ~150 bytes.
const SECRET_CACHE_SIZE = 10_000
const CSRF_KEYS = optionKeys<CsrfOptions>({
  sessions: true,
  origins: true,
  trustedOrigins: true,
  header: true,
  exemptPaths: true,
  exemptWithoutSession: true,
  deferForms: true,
  preLogin: true,
})
const PRE_LOGIN_KEYS = optionKeys<PreLoginOptions>({
  paths: true,
  secret: true,
  ttl: true,
  cookie: true,
})

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
  readonly #exemptWithoutSession: ReadonlySet<string>
  readonly #origins: ReadonlySet<string>
  readonly #deferForms: ((input: RequestInput) => boolean) | null
  readonly #pre: PreLoginTokens | null
  readonly #prePaths: ReadonlySet<string>
  readonly #preCookie: string
  readonly #preCookieSuffix: string
  readonly #secrets = new Map<string, Buffer>()
  /** Refusal bodies and stderr lines outside production (see explain.ts). */
  readonly explain: RefusalExplainer
  #warned = false

  constructor(o: CsrfOptions) {
    configAssert(o?.sessions, 'csrf: pass { sessions } (the session manager)')
    assertKnownKeys(o, CSRF_KEYS, 'csrf()')
    assertKnownKeys(o.preLogin, PRE_LOGIN_KEYS, 'csrf() preLogin')
    refuseTinyDuration(o.preLogin?.ttl, 'csrf.preLogin.ttl', 60_000)
    const origins = parseOrigins(o.origins, 'csrf.origins')
    configAssert(origins.length > 0, 'csrf.origins must list the origin(s) the app is served under')
    this.#sessions = o.sessions
    this.#origins = new Set(origins)
    this.#cookieName = o.sessions.options.cookie.name
    this.#source = new SourceCheck(origins, parseOrigins(o.trustedOrigins, 'csrf.trustedOrigins'))
    this.#header = o.header ?? 'x-csrf-token'
    configAssert(HEADER_NAME.test(this.#header), 'csrf.header must be a lower-case header name')
    const { production, clock } = o.sessions.options
    this.explain = new RefusalExplainer({ production, clock, header: this.#header, origins })
    this.#exempt = new Set(o.exemptPaths ?? [])
    this.#exemptWithoutSession = new Set(o.exemptWithoutSession ?? [])
    this.#deferForms = o.deferForms ?? null
    const pre = o.preLogin
    configAssert(
      pre === undefined || (Array.isArray(pre.paths) && pre.paths.length > 0),
      'csrf.preLogin.paths must list the login endpoints, e.g. ["/login", "/api/login"]',
    )
    this.#pre = pre
      ? new PreLoginTokens(pre.secret, parseDuration(pre.ttl ?? '1h', 'csrf.preLogin.ttl'))
      : null
    this.#prePaths = new Set(pre?.paths ?? [])
    this.#preCookie = pre?.cookie ?? `${this.#cookieName}-csrf`
    configAssert(
      COOKIE_NAME.test(this.#preCookie) && this.#preCookie !== this.#cookieName,
      'csrf.preLogin.cookie must be a cookie name (RFC 9110 token) other than the session cookie',
    )
    this.#preCookieSuffix = `${o.sessions.options.cookieAttributes}; Max-Age=${Math.floor(
      (this.#pre?.ttlMs ?? 0) / 1000,
    )}`
  }

  /**
   * A fresh masked token for the request: bound to its session, or, for a visitor without one
   * when `preLogin` is on, a pre-login token (nothing is stored). Without `preLogin` a
   * pre-session is started.
   */
  issue(ctx: RequestContext): string {
    if (!ctx.session.exists && this.#pre) {
      return this.#pre.issue(this.#nonce(ctx, true)!, this.#sessions.options.clock.now())
    }
    ctx.session.ensure()
    return maskToken(this.#secret(ctx)!)
  }

  /** True when `token` belongs to the request's current session. */
  matches(ctx: RequestContext, token: unknown): boolean {
    const secret = this.#secret(ctx)
    return secret !== null && verifyToken(token, secret)
  }

  // The request's pre-login nonce: from its cookie, or (when `create`) a new one to set.
  #nonce(ctx: RequestContext, create: boolean): string | undefined {
    let nonce = ctx.locals.csrfNonce
    if (nonce !== undefined) return nonce
    const found = readCookie(ctx.input.header('cookie'), this.#preCookie)
    if (found.kind === 'value' && PreLoginTokens.isNonce(found.value)) nonce = found.value
    else if (create) {
      nonce = PreLoginTokens.nonce()
      ctx.locals.csrfNewNonce = true
    }
    if (nonce !== undefined) ctx.locals.csrfNonce = nonce
    return nonce
  }

  // The two SHA-256 derivations are the largest part of a check, so secrets are kept, decoded,
  // by session id. The id is a hash of the token and a session's secret never changes while its
  // id lives (regeneration and renewal make a new id), so an entry cannot go stale. At the bound
  // the cache starts again empty: dropping the oldest entry one by one (`keys().next()`) walks
  // over every deleted entry's hole on V8, ~11 µs a miss at 10,000 entries when a population of
  // sessions misses all the time; a clear is O(1), and active sessions come back at once. The
  // cache holds no credential: a secret only checks tokens.
  #secret(ctx: RequestContext): Buffer | null {
    const id = sessionIdOf(ctx.session)
    if (id === null) return null
    let secret = this.#secrets.get(id)
    if (secret === undefined) {
      const derived = ctx.session.deriveSecret(CSRF_SECRET_LABEL)
      if (derived === null) return null
      secret = Buffer.from(derived, 'base64url')
      if (this.#secrets.size >= SECRET_CACHE_SIZE) this.#secrets.clear()
      this.#secrets.set(id, secret)
    }
    return secret
  }

  /** Runs the three layers; returns the refusal reason, or null when the request may proceed. */
  check(ctx: RequestContext): CsrfRefusal | null {
    const input = ctx.input
    const safe = SAFE_METHODS.has(input.method)
    if (safe || this.#exempt.has(input.path) || this.#bearerOnly(input)) {
      if (!safe) ctx.locals.csrfState = 'verified'
      return null
    }
    const refused = this.#source.refusal(input)
    if (refused) return refused
    if (!ctx.session.exists && this.#exemptWithoutSession.has(input.path)) {
      ctx.locals.csrfState = 'verified'
      return null
    }
    const sent = input.header(this.#header)
    if (sent === undefined && this.#deferForms && isForm(input) && this.#defers(input)) {
      ctx.locals.csrfState = 'pending'
      return null
    }
    const reason = this.tokenRefusal(ctx, sent)
    if (reason === null) ctx.locals.csrfState = 'verified'
    return reason
  }

  #defers(input: RequestInput): boolean {
    const path = routedPath(input.path)
    return path !== null && this.#deferForms!(new RoutedInput(input, path))
  }

  /**
   * Why `token` does not authorise this request, or null when it does: a token of its live
   * session, or on a login endpoint a valid pre-login token.
   */
  tokenRefusal(ctx: RequestContext, token: unknown): CsrfRefusal | null {
    const pre = this.#pre !== null && this.#prePaths.has(ctx.input.path)
    if (!ctx.session.exists && !pre) return 'no_session'
    if (typeof token !== 'string' || token.length === 0) return 'token_missing'
    if (pre) {
      const now = this.#sessions.options.clock.now()
      if (this.#pre!.verify(token, this.#nonce(ctx, false), now)) return null
    }
    if (this.matches(ctx, token)) return null
    // A logout from a tab opened before a re-authentication carries the old secret's token:
    // refusing it would leave the session alive behind an error page. There the browser's own
    // proof of a same-origin request is enough (no other site can make a browser send it).
    return this.#exemptWithoutSession.has(ctx.input.path) && this.#sameOrigin(ctx.input)
      ? null
      : 'token_invalid'
  }

  #sameOrigin(input: RequestInput): boolean {
    const origin = input.header('origin')
    if (origin !== undefined) return this.#origins.has(origin)
    return input.header('sec-fetch-site') === 'same-origin'
  }

  /**
   * Records a refusal as a `malicious_csrf` event. `critical` only for evidence of an attack (a
   * foreign source, or a wrong token on a live session); `warn` otherwise (an expired session's
   * form, a stale tab).
   */
  report(ctx: RequestContext, reason: CsrfRefusal): void {
    this.explain.log(reason, ctx.input)
    const s = ctx.session
    this.#sessions.emit({
      type: 'malicious_csrf',
      level: refusalLevel(reason, s.exists),
      userId: s.userId,
      handle: s.handle,
      ip: s.request.ip,
      userAgent: s.request.userAgent,
      reason,
    })
  }

  /**
   * Fail closed: a deferred form post whose route never verified its token is refused as its
   * response starts. Returns true when it did so (and reports it).
   */
  refuseUnverified(ctx: RequestContext): boolean {
    if (ctx.locals.csrfState !== 'pending') return false
    ctx.locals.csrfState = 'refused'
    this.report(ctx, 'token_unverified')
    if (!this.#warned) {
      this.#warned = true
      console.error(
        `tessera csrf: a form post to ${ctx.input.path} was deferred to its route, which never called verifyCsrf(); it was answered 403`,
      )
    }
    return true
  }

  /** The pre-login cookie (and `no-store` for the page carrying its token), when one was issued. */
  headers(ctx: RequestContext, out: HeaderList): void {
    if (ctx.locals.csrfNewNonce !== true) return
    out.push([
      'set-cookie',
      serializeCookie(this.#preCookie, ctx.locals.csrfNonce!, this.#preCookieSuffix),
    ])
    out.push(NO_STORE)
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

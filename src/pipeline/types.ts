import type { Session } from '../core/session.js'

/**
 * A request as the pipeline sees it: plain values an adapter reads off its framework's request.
 * Header names passed to `header()` are lower-case.
 */
export interface RequestInput {
  method: string
  /** Path without the query string. */
  path: string
  /** The query string (without `?`), or ''. */
  query: string
  /** True when the client reached us over HTTPS (directly or via a trusted proxy). */
  secure: boolean
  /** Client IP after trusted-proxy rules. */
  ip?: string | undefined
  /** Reads one request header (lower-case name); first value if repeated. */
  header(name: string): string | undefined
}

/** Headers to add to a response, in order. */
export type HeaderList = Array<[name: string, value: string]>

/** Per-request state shared by the pipeline, its plugins and the handler. */
export interface RequestContext {
  readonly input: RequestInput
  readonly session: Session
  /** Values plugins expose to handlers (e.g. `cspNonce`, `csrfToken()`). */
  readonly locals: RequestLocals
}

/** Values plugins put on the request context. Extended by declaration merging. */
export interface RequestLocals {
  /** The CSP nonce of this response (security headers plugin). */
  cspNonce?: string
  /** A fresh masked CSRF token (CSRF plugin): session-bound, else pre-login or a new pre-session. */
  csrfToken?: () => string
  [key: string]: unknown
}

/** A refusal: the handler does not run and the adapter answers with this. */
export interface Rejection {
  status: number
  code: string
  message: string
  /** Why, as a stable code (`token_missing`, `origin_mismatch`, …); set outside production only. */
  reason?: string
  /** What happened and what to check, in a sentence; set outside production only. */
  detail?: string
  headers?: HeaderList
}

/**
 * A pipeline plugin (CSRF, security headers, monitoring). Plugins see plain values and return
 * plain values; they never touch a framework object.
 */
export interface Plugin {
  readonly name: string
  /** Runs before the handler; return a rejection to stop the request. */
  onRequest?(ctx: RequestContext): Rejection | undefined | Promise<Rejection | undefined>
  /** Adds headers to the response (every response, including errors and rejections). */
  headers?(ctx: RequestContext, out: HeaderList): void
  /** Sees the session once it has been committed (for metrics and anomaly rules). */
  onCommit?(ctx: RequestContext): void
  /**
   * The last word as the handler's response starts: return a rejection to answer it instead
   * (fail closed, e.g. a deferred CSRF check the route never made). Adapters then send the
   * rejection without committing the session or setting its cookie.
   */
  beforeResponse?(ctx: RequestContext): Rejection | undefined
}

// What a CSRF refusal means, for the developer looking at it. Outside production the 403 body
// carries the reason code and a sentence, and stderr gets one line per reason a minute; in
// production the body stays the bare "request refused" (a reason would help an attacker probe).
import type { Clock } from '../core/clock.js'
import { LogOnce, shown } from '../internal/log-once.js'
import type { Rejection, RequestInput } from '../pipeline/types.js'
import type { CsrfRefusal } from './options.js'

const MESSAGE = 'request refused'

/** The bare refusal every production response gets. */
export const REFUSED: Rejection = Object.freeze({
  status: 403,
  code: 'ERR_CSRF',
  message: MESSAGE,
}) as Rejection

/**
 * Explains refusals in development: a body with `reason` and `detail`, and a rate-limited
 * stderr line. In production it answers {@link REFUSED} and writes nothing.
 *
 * @example
 * const explain = new RefusalExplainer({ production: false, clock, header, origins })
 * return explain.rejection('token_missing', ctx.input)
 */
export class RefusalExplainer {
  readonly #production: boolean
  readonly #header: string
  readonly #origins: string
  readonly #log: LogOnce

  constructor(o: {
    production: boolean
    clock: Clock
    header: string
    origins: readonly string[]
  }) {
    this.#production = o.production
    this.#header = o.header
    this.#origins = o.origins.join(', ')
    this.#log = new LogOnce(o.clock)
  }

  /** The refusal to answer with: bare in production, with reason and detail otherwise. */
  rejection(reason: CsrfRefusal, input: RequestInput): Rejection {
    if (this.#production) return REFUSED
    return {
      status: 403,
      code: 'ERR_CSRF',
      message: MESSAGE,
      reason,
      detail: this.detail(reason, input, false),
    }
  }

  /** Writes the reason to stderr (once a minute per reason), outside production. */
  log(reason: CsrfRefusal, input: RequestInput): void {
    if (this.#production) return
    this.#log.write(
      reason,
      `tessera csrf: refused ${input.method} ${shown(input.path)}: ${reason}: ${this.detail(reason, input, true)} (bodies carry the reason outside production; this line is written once a minute per reason)`,
    )
  }

  /**
   * One sentence on what happened and what to check. The configured origins go to the server's
   * stderr only (`local`), never into a body any client reads: with `NODE_ENV` unset on a
   * real deployment, they would list internal hosts to whoever sends a foreign Origin.
   */
  detail(reason: CsrfRefusal, input: RequestInput, local: boolean): string {
    const origins = local ? ` (${this.#origins})` : ''
    switch (reason) {
      case 'fetch_metadata_cross_site':
        return 'the browser sent Sec-Fetch-Site: cross-site: a page of another site made this request'
      case 'fetch_metadata_same_site':
        return 'Sec-Fetch-Site: same-site (a sibling subdomain); list its origin in csrf trustedOrigins if it may post here'
      case 'fetch_metadata_invalid':
        return `Sec-Fetch-Site has an unknown value ${shown(input.header('sec-fetch-site') ?? '')}`
      case 'origin_null':
        return 'Origin: null (a sandboxed frame, a data: URL or a cross-origin redirect)'
      case 'origin_mismatch':
        return `Origin ${shown(input.header('origin') ?? '')} is not one of csrf origins${origins}; add it there if the app is served under it`
      case 'referer_mismatch':
        return `Referer from ${shown(refererOrigin(input.header('referer')))} is not one of csrf origins${origins}`
      case 'no_session':
        return 'no live session to check the token against: the session expired, or the cookie was not sent (a cross-origin fetch needs credentials, a Secure cookie is not sent over plain HTTP)'
      case 'token_missing':
        return `no CSRF token: send the one from ctx.locals.csrfToken() in the ${this.#header} header`
      case 'token_invalid':
        return "the token does not belong to this session (a page loaded before login or before the session was regenerated, or another session's token)"
      case 'token_unverified':
        return 'this form post was deferred to its route (deferForms), which never called verifyCsrf()'
    }
  }
}

// Only the origin of a Referer: its path and query may carry something private.
function refererOrigin(referer: string | undefined): string {
  try {
    return new URL(referer ?? '').origin
  } catch {
    return 'an unparsable URL'
  }
}

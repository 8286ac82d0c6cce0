// Two failures that are silent from the browser's side, said once on stderr: a session store
// that does not answer (the browser only sees 503s), and a `Secure` session cookie sent over
// plain HTTP to a host other than loopback (the browser drops it, so every login "fails").
import type { SessionManager } from '../core/manager.js'
import { LogOnce, shown } from '../internal/log-once.js'
import type { RequestInput } from './types.js'

// Browsers accept Secure cookies from http://localhost (a secure context), so no warning there.
const LOOPBACK = /^(?:localhost|[^:]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i

/**
 * The pipeline's start-up-time mistakes that only show at request time.
 *
 * @example
 * const diagnostics = new PipelineDiagnostics(sessions)
 * diagnostics.storeDown(error)
 */
export class PipelineDiagnostics {
  readonly #sessions: SessionManager
  readonly #log: LogOnce
  #cookieWarned = false

  constructor(sessions: SessionManager) {
    this.#sessions = sessions
    this.#log = new LogOnce(sessions.options.clock)
  }

  /**
   * Outside production: one line a minute naming the store's address and the error, while
   * requests are answered 503.
   */
  storeDown(error: unknown): void {
    const o = this.#sessions.options
    if (o.production) return
    const address = o.store.address ?? 'the session store'
    const why = error instanceof Error ? error.message : String(error)
    this.#log.write(
      'store_unavailable',
      `tessera: ${address} did not answer (${why}); requests are answered 503 until it does. Check it is running at that address; \`await store.ready()\` at start-up fails at once with the reason`,
    )
  }

  /**
   * Once per pipeline (in every mode: a TLS proxy missing from `trustProxy` is a production
   * mistake too): a `Secure` session cookie is going out on a plain-HTTP request to a host other
   * than loopback, so the browser will drop it.
   */
  insecureCookie(input: RequestInput): void {
    if (this.#cookieWarned || input.secure || !this.#sessions.options.cookie.secure) return
    const host = input.header('host') ?? ''
    if (LOOPBACK.test(host)) return
    this.#cookieWarned = true
    console.error(
      `tessera: a Secure session cookie was sent over plain HTTP to ${shown(host)}; browsers drop it, so the session will not stick. Serve HTTPS (tessera-session/https), list the TLS-terminating proxy in trustProxy, or use http://localhost in development`,
    )
  }
}

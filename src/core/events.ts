/**
 * Event types, named after the OWASP Logging Vocabulary where one exists.
 */
export type SessionEventType =
  | 'authn_login_success'
  | 'authn_login_fail'
  /** A failed login spent an attempt budget: the account, address or device must wait (`reason` = the budget). */
  | 'authn_login_lock'
  | 'authn_token_reuse'
  /** A listener threw; sent to the other listeners, `reason` = the type it failed on. */
  | 'event_listener_failed'
  | 'session_created'
  | 'session_renewed'
  | 'session_expired'
  | 'session_logout'
  | 'session_revoked'
  | 'session_use_after_expire'
  | 'session_token_unknown'
  | 'session_token_malformed'
  | 'session_cookie_duplicate'
  | 'session_anomaly'
  | 'excess_sessions_exceeded'
  | 'malicious_csrf'
  | 'store_unavailable'
  | 'store_recovered'
  | 'session_evicted'
  | 'store_background_error'
  /** Device Bound Session Credentials: a browser bound this session to its key. */
  | 'dbsc_registered'
  /** DBSC: the browser proved its key again and got a new short-lived bound cookie. */
  | 'dbsc_refreshed'
  /** DBSC: a registration or refresh was refused (`reason` says why). */
  | 'dbsc_refresh_failed'

/** Severity, as in the OWASP vocabulary. */
export type EventLevel = 'info' | 'warn' | 'critical'

/**
 * One lifecycle or security event. It never carries a token nor a hash of one: sessions are
 * named by their public `handle`.
 */
export interface SessionEvent {
  type: SessionEventType
  level: EventLevel
  /** ISO 8601 UTC timestamp. */
  time: string
  userId?: string | null | undefined
  handle?: string | null | undefined
  ip?: string | undefined
  userAgent?: string | undefined
  /** Why: `idle`, `absolute`, `user`, `admin`, `password_change`, `evicted`, … */
  reason?: string | undefined
}

/**
 * Receives events. Exceptions thrown by a listener are contained: they never reach the request,
 * and the other listeners hear of them as an `event_listener_failed` event.
 */
export type EventListener = (event: SessionEvent) => void

/** Options of {@link EventBus}. */
export interface EventBusOptions {
  /**
   * Called with every error a listener throws and the event it was handling (the error object
   * itself, which an event cannot carry). Default: the first error is written to stderr.
   */
  onListenerError?: ((error: unknown, event: SessionEvent) => void) | undefined
}

/**
 * A tiny synchronous fan-out. Listeners must be fast; push slow work (I/O) to a queue.
 *
 * A listener that throws does not stop the others. Once the event has gone round, the
 * listeners that did not throw receive `event_listener_failed` (level `warn`, `reason` the
 * type of the failed event), so an audit sink or alert hook sees that another sink is broken.
 * Failures while delivering that notice are only passed to `onListenerError`: a notice never
 * causes another notice, so two broken listeners cannot loop.
 *
 * @example
 * const events = new EventBus({ onListenerError: (error) => log.error(error) })
 * const off = events.on((e) => console.log(e.type))
 * off()
 */
export class EventBus {
  #listeners: EventListener[] = []
  #warned = false
  readonly #onError: ((error: unknown, event: SessionEvent) => void) | undefined

  constructor(options: EventBusOptions = {}) {
    this.#onError = options.onListenerError
  }

  /** Subscribes; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    this.#listeners = [...this.#listeners, listener]
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener)
    }
  }

  /** True when someone listens (lets callers skip building events). */
  get active(): boolean {
    return this.#listeners.length > 0
  }

  /** Delivers `event` to every listener, then reports listeners that threw (see the class). */
  emit(event: SessionEvent): void {
    // Subscriptions replace the array, so this snapshot is stable while listeners run.
    const listeners = this.#listeners
    let failed: EventListener[] | null = null
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        failed ??= []
        failed.push(listener)
        this.#report(error, event)
      }
    }
    if (failed !== null && event.type !== 'event_listener_failed') {
      this.#announce(listeners, failed, event)
    }
  }

  #announce(listeners: EventListener[], failed: EventListener[], event: SessionEvent): void {
    // The failed event's own instant: the bus has no clock, and the failure happened then.
    const notice: SessionEvent = {
      type: 'event_listener_failed',
      level: 'warn',
      time: event.time,
      reason: event.type,
    }
    for (const listener of listeners) {
      if (failed.includes(listener)) continue
      try {
        listener(notice)
      } catch (error) {
        this.#report(error, notice)
      }
    }
  }

  #report(error: unknown, event: SessionEvent): void {
    if (this.#onError) {
      try {
        this.#onError(error, event)
      } catch {
        // The hook is the last resort; if it throws too there is nobody left to tell.
      }
      return
    }
    // A broken sink must not break a request; say so once so it is noticed.
    if (!this.#warned) {
      this.#warned = true
      console.error(
        'tessera: an event listener threw (the others get event_listener_failed; no more of these lines)',
        error,
      )
    }
  }
}

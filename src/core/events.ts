/**
 * Event types, named after the OWASP Logging Vocabulary where one exists.
 */
export type SessionEventType =
  | 'authn_login_success'
  | 'authn_login_fail'
  | 'authn_token_reuse'
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

/** Receives events. Exceptions thrown by a listener are contained (and reported on stderr once). */
export type EventListener = (event: SessionEvent) => void

/**
 * A tiny synchronous fan-out. Listeners must be fast; push slow work (I/O) to a queue.
 *
 * @example
 * const off = events.on((e) => console.log(e.type))
 * off()
 */
export class EventBus {
  #listeners: EventListener[] = []
  #warned = false

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

  /** Delivers `event` to every listener. */
  emit(event: SessionEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        // A broken sink must not break a request; say so once so it is noticed.
        if (!this.#warned) {
          this.#warned = true
          console.error(
            'tessera: an event listener threw; further listener errors are silent',
            error,
          )
        }
      }
    }
  }
}

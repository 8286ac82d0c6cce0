import type { SessionEvent } from '../core/events.js'
import { Lru } from './lru.js'
import { SlidingWindow } from './window.js'

/** Options of {@link GuessingDetector}. */
export interface GuessingOptions {
  /** Unknown or malformed tokens per window from one address before it is reported. */
  max: number
  /** The window, in milliseconds. */
  windowMs: number
  /** Addresses tracked at once (bounded memory; the least recently seen go first). */
  maxClients: number
}

/**
 * Detects session-token guessing: counts unknown and malformed tokens per client address in a
 * sliding window and reports an address at most once per window while it stays over `max`.
 *
 * It never refuses a request. A 256-bit token cannot be guessed, while an office or carrier NAT
 * sends many *stale* tokens (idle timeouts, a store restart, "end all sessions"): refusing an
 * address would lock out every user behind it and protect nothing. Requests with unknown
 * tokens are already served as anonymous with the cookie cleared; this only raises the alert.
 *
 * @example
 * const detector = new GuessingDetector({ max: 20, windowMs: 60_000, maxClients: 10_000 },
 *   (e) => sessions.emit({ type: 'session_anomaly', level: 'critical', reason: 'token_guessing', ip: e.ip }))
 * sessions.on((e) => detector.onEvent(e, clock.now()))
 */
export class GuessingDetector {
  readonly #o: GuessingOptions
  readonly #counts: SlidingWindow
  readonly #reportedAt: Lru<string, number>
  readonly #report: (event: SessionEvent) => void

  constructor(options: GuessingOptions, report: (event: SessionEvent) => void) {
    this.#o = options
    this.#counts = new SlidingWindow(options.windowMs, options.maxClients)
    this.#reportedAt = new Lru(options.maxClients)
    this.#report = report
  }

  /** Feed every event; only `session_token_unknown` and `session_token_malformed` count. */
  onEvent(e: SessionEvent, now: number): void {
    if (e.type !== 'session_token_unknown' && e.type !== 'session_token_malformed') return
    const ip = e.ip
    if (!ip) return
    this.#counts.hit(ip, now)
    if (this.#counts.rate(ip, now) < this.#o.max) return
    const last = this.#reportedAt.peek(ip)
    if (last !== undefined && now - last < this.#o.windowMs) return
    this.#reportedAt.set(ip, now)
    this.#report(e)
  }
}

// Diagnostics go to stderr, but a refusal repeated on every request must not flood it: each
// kind of line is written at most once per window (a minute by default) per emitter.
import type { Clock } from '../core/clock.js'

/** Where diagnostic lines go. Default `console.error`. */
export type LineWriter = (line: string) => void

/**
 * Writes a line per key at most once per `windowMs` of `clock`.
 *
 * @example
 * const log = new LogOnce(sessions.options.clock)
 * log.write('token_missing', 'tessera csrf: refused POST /transfer: token_missing …')
 */
export class LogOnce {
  readonly #clock: Clock
  readonly #windowMs: number
  readonly #out: LineWriter
  readonly #last = new Map<string, number>()

  constructor(clock: Clock, windowMs = 60_000, out: LineWriter = (line) => console.error(line)) {
    this.#clock = clock
    this.#windowMs = windowMs
    this.#out = out
  }

  /** Writes `line` unless a line with this `key` was written within the window. */
  write(key: string, line: string): void {
    const now = this.#clock.now()
    const last = this.#last.get(key)
    if (last !== undefined && now - last < this.#windowMs) return
    // Keys are a small fixed vocabulary (reasons, warnings): the map stays tiny.
    this.#last.set(key, now)
    this.#out(line)
  }
}

/**
 * A header value fit for one log line: at most 100 characters, quoted and escaped, so a
 * hostile value can neither forge a line nor flood the terminal.
 *
 * @example
 * shown('https://evil.example') // '"https://evil.example"'
 */
export function shown(value: string): string {
  const cut = value.length > 100 ? `${value.slice(0, 100)}…` : value
  return JSON.stringify(cut).replace(
    /[\u0080-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

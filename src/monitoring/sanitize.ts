import type { SessionEvent } from '../core/events.js'

// C0 controls, DEL, C1 controls and the two Unicode line/paragraph separators: anything a log
// reader, terminal or line-based shipper could treat as a line break or an escape sequence.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/** Longest value kept per field; longer ones are cut (a 10 kB User-Agent must not flood logs). */
export const MAX_FIELD_LENGTH = 512

function escapeChar(c: string): string {
  const code = c.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Neutralises control characters (shown as visible `\xHH` / `\uHHHH` text) and caps the length,
 * so a value can never start a new log line nor drive a terminal. Values without control
 * characters and within the cap are returned as they are (no allocation).
 *
 * @example
 * cleanText('alice\r\n{"level":"info"}') // 'alice\\x0d\\x0a{"level":"info"}'
 */
export function cleanText(value: string, max = MAX_FIELD_LENGTH): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value
  return CONTROL.test(cut) ? cut.replace(CONTROL_ALL, escapeChar) : cut
}

function clean<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? cleanText(value) : value) as T
}

/**
 * A copy of `event` whose every text field is safe for line-based sinks (see {@link cleanText}).
 * Returns the same object when nothing needed changing.
 *
 * @example
 * logger.info(cleanEvent(event))
 */
export function cleanEvent(event: SessionEvent): SessionEvent {
  const out: SessionEvent = {
    type: event.type,
    level: event.level,
    time: clean(event.time),
    userId: clean(event.userId),
    handle: clean(event.handle),
    ip: clean(event.ip),
    userAgent: clean(event.userAgent),
    reason: clean(event.reason),
  }
  return out.time === event.time &&
    out.userId === event.userId &&
    out.handle === event.handle &&
    out.ip === event.ip &&
    out.userAgent === event.userAgent &&
    out.reason === event.reason
    ? event
    : out
}

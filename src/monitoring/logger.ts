import type pino from 'pino'
import type { EventListener, SessionEvent } from '../core/events.js'
import { lazyOptional } from '../internal/optional.js'
import { cleanEvent } from './sanitize.js'
import { assertKnownKeys } from '../internal/strict.js'

const loadPino = lazyOptional<typeof pino>('pino', 'createEventLogger / logSink')

/** A pino logger that also has the `critical` level Tessera's events use. */
export type EventLogger = pino.Logger<'critical'>

/** Options of {@link createEventLogger}. */
export interface EventLoggerOptions {
  /** Lowest pino level written (`LOG_LEVEL`). Default `info`. */
  level?: string | undefined
  /** Where lines go. Default stdout, written asynchronously (buffered, never blocking a request). */
  destination?: pino.DestinationStream | undefined
}

/**
 * A pino logger for events: one JSON object per line, the level as a word (`info`, `warn`,
 * `critical`), the event's own UTC timestamp as `time`.
 *
 * @example
 * const logger = createEventLogger({ level: process.env.LOG_LEVEL })
 */
export function createEventLogger(options: EventLoggerOptions = {}): EventLogger {
  assertKnownKeys(options, ['level', 'destination'], 'createEventLogger()')
  return loadPino()(
    {
      level: options.level ?? 'info',
      // Between `warn` (40) and pino's `error` (50)/`fatal` (60): LOG_LEVEL=error hides it.
      customLevels: { critical: 55 },
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? loadPino().destination({ dest: 1, sync: false }),
  )
}

type LogFn = (fields: object, message: string) => void

/** What {@link logSink} needs of a logger: pino's (or a compatible) level methods. */
export interface LevelLogger {
  info: LogFn
  warn: LogFn
  error: LogFn
  /** Used for critical events when present; otherwise `error` with `severity: "critical"`. */
  critical?: LogFn | undefined
  /** Flushes buffered lines (pino); called on close. */
  flush?: (() => void) | undefined
}

/** Options of {@link logSink}. */
export interface LogSinkOptions extends EventLoggerOptions {
  /** Your own pino logger (or a compatible one). Default {@link createEventLogger}. */
  logger?: LevelLogger | undefined
}

/** An event listener that writes through pino; `logger` is exposed for flushing. */
export type LogSink = EventListener & { readonly logger: LevelLogger }

/**
 * Writes every event as one JSON line. Every field is cleaned first ({@link cleanEvent}): a
 * username or User-Agent carrying CR, LF, other C0/C1 controls or U+2028/2029 cannot start a
 * forged line — JSON escapes some of those, but not C1 nor the Unicode separators.
 *
 * @example
 * sessions.on(logSink({ level: 'info' }))
 * // {"level":"warn","time":"2026-01-01T00:00:00.000Z","event":"session_token_unknown",…}
 */
export function logSink(options: LogSinkOptions = {}): LogSink {
  assertKnownKeys(options, ['level', 'destination', 'logger'], 'logSink()')
  const { logger: given, ...pino } = options
  const logger: LevelLogger = given ?? createEventLogger(pino)
  const critical = logger.critical?.bind(logger)
  const write = (event: SessionEvent): void => {
    const e = cleanEvent(event)
    const fields = {
      time: e.time,
      event: e.type,
      userId: e.userId ?? null,
      handle: e.handle ?? null,
      ip: e.ip,
      userAgent: e.userAgent,
      reason: e.reason,
    }
    if (e.level === 'info') logger.info(fields, e.type)
    else if (e.level === 'warn') logger.warn(fields, e.type)
    else if (critical) critical(fields, e.type)
    else logger.error({ ...fields, severity: 'critical' }, e.type)
  }
  return Object.assign(write, { logger })
}

import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../core/events.js'
import { createEventLogger, logSink } from './logger.js'

function capture() {
  const lines: string[] = []
  return { lines, destination: { write: (s: string) => void lines.push(s) } }
}

const event: SessionEvent = {
  type: 'authn_login_fail',
  level: 'warn',
  time: '2026-01-01T00:00:00.000Z',
  userId: 'alice\r\n{"level":"info","event":"authn_login_success","userId":"alice"}',
  handle: null,
  ip: '198.51.100.7',
  userAgent: 'Mozilla\u2028/5.0\r\nX-Injected: 1\u0085',
  reason: 'bad_credentials',
}

describe('logSink', () => {
  it('writes one JSON line per event even when the username and User-Agent carry CR/LF', () => {
    const { lines, destination } = capture()
    logSink({ destination })(event)
    expect(lines).toHaveLength(1)
    const text = lines[0]!
    expect(text.endsWith('\n')).toBe(true)
    expect(text.slice(0, -1)).not.toMatch(/[\r\n\u2028\u2029\u0085]/)
    expect(JSON.parse(text)).toEqual({
      level: 'warn',
      time: '2026-01-01T00:00:00.000Z',
      event: 'authn_login_fail',
      msg: 'authn_login_fail',
      userId: 'alice\\x0d\\x0a{"level":"info","event":"authn_login_success","userId":"alice"}',
      handle: null,
      ip: '198.51.100.7',
      userAgent: 'Mozilla\\u2028/5.0\\x0d\\x0aX-Injected: 1\\x85',
      reason: 'bad_credentials',
    })
  })

  it('logs critical events at a `critical` level that LOG_LEVEL=error still shows', () => {
    const { lines, destination } = capture()
    const sink = logSink({ destination, level: 'error' })
    sink({ ...event, level: 'info', userId: 'a' })
    sink({ ...event, level: 'warn', userId: 'b' })
    sink({ ...event, level: 'critical', type: 'session_anomaly', userId: 'c' })
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['critical'])
  })

  it('maps levels info and warn to pino levels of the same name', () => {
    const { lines, destination } = capture()
    const sink = logSink({ destination })
    sink({ ...event, level: 'info' })
    sink({ ...event, level: 'warn' })
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['info', 'warn'])
  })

  it('uses `error` with severity critical on a logger that has no critical level', () => {
    const calls: Array<[string, object, string]> = []
    const logger = {
      info: (o: object, m: string) => calls.push(['info', o, m]),
      warn: (o: object, m: string) => calls.push(['warn', o, m]),
      error: (o: object, m: string) => calls.push(['error', o, m]),
    }
    logSink({ logger })({ ...event, level: 'critical' })
    expect(calls[0]![0]).toBe('error')
    expect(calls[0]![1]).toMatchObject({ severity: 'critical', event: 'authn_login_fail' })
  })

  it('writes nothing when LOG_LEVEL is silent', () => {
    const { lines, destination } = capture()
    const logger = createEventLogger({ destination, level: 'silent' })
    logSink({ logger })({ ...event, level: 'critical' })
    expect(lines).toEqual([])
  })
})

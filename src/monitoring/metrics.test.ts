import { describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { TesseraError } from '../core/errors.js'
import type { SessionEvent } from '../core/events.js'
import { createSessions } from '../core/manager.js'
import type { SessionStore } from '../core/store.js'
import { memoryStore } from '../stores/memory/index.js'
import { instrumentStore } from './instrument.js'
import { sessionMetrics } from './metrics.js'

async function value(m: ReturnType<typeof sessionMetrics>, name: string, labels: object = {}) {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name)
  const v = (metric?.values as Array<{ value: number; labels: object }>)?.find(
    (x) => JSON.stringify(x.labels) === JSON.stringify(labels),
  )
  return v?.value ?? 0
}

const e = (over: Partial<SessionEvent>): SessionEvent => ({
  type: 'session_created',
  level: 'info',
  time: '2026-01-01T00:00:00.000Z',
  userId: 'u1',
  handle: 'h1',
  ...over,
})

describe('sessionMetrics', () => {
  it('registers in its own registry, never the global one', async () => {
    const { register } = await import('prom-client')
    const m = sessionMetrics()
    expect(m.registry).not.toBe(register)
    expect(await register.getSingleMetric('tessera_logins_total')).toBeUndefined()
    expect((await m.registry.metrics()).includes('tessera_logins_total')).toBe(true)
  })

  it('counts logins, failures, expirations, revocations, CSRF refusals and anomalies', async () => {
    const m = sessionMetrics()
    m.listener(e({ type: 'authn_login_success' }))
    m.listener(e({ type: 'authn_login_fail', reason: 'bad_credentials' }))
    m.listener(e({ type: 'session_expired', reason: 'idle' }))
    m.listener(e({ type: 'session_expired', reason: 'absolute' }))
    m.listener(e({ type: 'session_revoked', reason: 'admin' }))
    m.listener(e({ type: 'malicious_csrf', level: 'critical' }))
    m.listener(e({ type: 'session_anomaly', level: 'critical', reason: 'ua_change' }))
    m.listener(e({ type: 'excess_sessions_exceeded', level: 'warn' }))
    expect(await value(m, 'tessera_logins_total')).toBe(1)
    expect(await value(m, 'tessera_login_failures_total', { reason: 'bad_credentials' })).toBe(1)
    expect(await value(m, 'tessera_sessions_expired_total', { reason: 'idle' })).toBe(1)
    expect(await value(m, 'tessera_sessions_expired_total', { reason: 'absolute' })).toBe(1)
    expect(await value(m, 'tessera_sessions_revoked_total', { reason: 'admin' })).toBe(1)
    expect(await value(m, 'tessera_csrf_refusals_total')).toBe(1)
    expect(await value(m, 'tessera_anomalies_total', { reason: 'ua_change' })).toBe(1)
    expect(await value(m, 'tessera_sessions_evicted_total')).toBe(1)
    expect(
      await value(m, 'tessera_events_total', { type: 'malicious_csrf', level: 'critical' }),
    ).toBe(1)
  })

  it('counts DBSC registrations, refreshes and failures by reason', async () => {
    const m = sessionMetrics()
    m.listener(e({ type: 'dbsc_registered', reason: 'ES256' }))
    m.listener(e({ type: 'dbsc_refreshed' }))
    m.listener(e({ type: 'dbsc_refreshed' }))
    m.listener(e({ type: 'dbsc_refresh_failed', level: 'warn', reason: 'bad_proof' }))
    expect(await value(m, 'tessera_dbsc_registrations_total', { alg: 'es256' })).toBe(1)
    expect(await value(m, 'tessera_dbsc_refreshes_total')).toBe(2)
    expect(await value(m, 'tessera_dbsc_failures_total', { reason: 'bad_proof' })).toBe(1)
  })

  it('counts the events a rate-limited one held back, under its bare reason', async () => {
    const m = sessionMetrics()
    m.listener(e({ type: 'dbsc_refresh_failed', level: 'warn', reason: 'stale_challenge' }))
    m.listener(
      e({ type: 'dbsc_refresh_failed', level: 'warn', reason: 'stale_challenge:suppressed=4' }),
    )
    m.listener(e({ type: 'session_anomaly', level: 'critical', reason: 'dbsc_missing' }))
    m.listener(
      e({ type: 'session_anomaly', level: 'critical', reason: 'dbsc_missing:suppressed=41' }),
    )
    expect(await value(m, 'tessera_dbsc_failures_total', { reason: 'stale_challenge' })).toBe(6)
    expect(await value(m, 'tessera_anomalies_total', { reason: 'dbsc_missing' })).toBe(43)
    expect(await value(m, 'tessera_anomalies_total', { reason: 'other' })).toBe(0)
  })

  it('keeps label values few: odd or too many reasons become "other"', async () => {
    const m = sessionMetrics()
    m.listener(e({ type: 'authn_login_fail', reason: 'Bad Creds\n!' }))
    for (let i = 0; i < 40; i++) m.listener(e({ type: 'authn_login_fail', reason: `r${i}` }))
    expect(await value(m, 'tessera_login_failures_total', { reason: 'other' })).toBe(1 + 8)
  })

  it('tracks active authenticated sessions from events and requests, and drops idle ones', async () => {
    const clock = manualClock()
    const m = sessionMetrics()
    const sessions = createSessions({
      store: memoryStore({ clock, quiet: true }),
      clock,
      idleTimeout: '10m',
    })
    m.attach(sessions)
    sessions.emit(e({ handle: 'a', reason: 'login' }))
    sessions.emit(e({ handle: 'b', reason: 'login' }))
    sessions.emit(e({ handle: 'anon', userId: null, reason: 'anonymous' }))
    expect(await value(m, 'tessera_sessions_active')).toBe(2)
    sessions.emit(e({ type: 'session_logout', handle: 'a' }))
    expect(await value(m, 'tessera_sessions_active')).toBe(1)
    clock.advance(10 * 60_000)
    expect(await value(m, 'tessera_sessions_active')).toBe(0)
    await sessions.close()
  })
})

describe('instrumentStore', () => {
  it('times every store call by operation', async () => {
    const m = sessionMetrics()
    const store = instrumentStore(memoryStore({ quiet: true }), m)
    await store.get('nope')
    await store.get('nope')
    await store.ping()
    const text = await m.registry.metrics()
    expect(text).toMatch(/tessera_store_duration_seconds_count\{operation="get"\} 2/)
    expect(text).toMatch(/tessera_store_duration_seconds_count\{operation="ping"\} 1/)
    await store.close()
  })

  it('counts failures but not refusals such as the session cap, and rethrows both', async () => {
    const m = sessionMetrics()
    const base = memoryStore({ quiet: true })
    const broken: SessionStore = {
      ...base,
      get: async () => {
        throw new Error('ECONNRESET')
      },
      create: async () => {
        throw new TesseraError('ERR_SESSION_LIMIT', 'cap')
      },
    }
    const store = instrumentStore(broken, m)
    await expect(store.get('x')).rejects.toThrow('ECONNRESET')
    await expect(store.create({} as never)).rejects.toThrow('cap')
    expect(await value(m, 'tessera_store_errors_total', { operation: 'get' })).toBe(1)
    // The synchronous read is timed and counted as `get` too, and stays synchronous.
    const syncStore = instrumentStore(
      {
        ...base,
        getSync: () => {
          throw new Error('ECONNRESET')
        },
      },
      m,
    )
    expect(() => syncStore.getSync?.('x')).toThrow('ECONNRESET')
    expect(await value(m, 'tessera_store_errors_total', { operation: 'get' })).toBe(2)
    expect(instrumentStore(base, m).getSync?.('x')).toBeNull()
    expect(await value(m, 'tessera_store_errors_total', { operation: 'create' })).toBe(0)
    await base.close()
  })
})

import { type Clock, systemClock } from '../core/clock.js'
import type { EventListener, SessionEvent } from '../core/events.js'
import type { SessionManager } from '../core/manager.js'
import { lazyOptional } from '../internal/optional.js'
import type { Plugin } from '../pipeline/types.js'
import { ActiveSessions } from './active.js'
import { FastHistogram } from './histogram.js'
import { assertKnownKeys } from '../internal/strict.js'

// Loaded by the first sessionMetrics(), so importing tessera-session/monitoring needs no prom-client.
const promClient = lazyOptional<typeof import('prom-client')>('prom-client', 'sessionMetrics')
type Counter<T extends string = string> = import('prom-client').Counter<T>
type Gauge<T extends string = string> = import('prom-client').Gauge<T>
type Registry = import('prom-client').Registry

/** Options of {@link sessionMetrics}. */
export interface MetricsOptions {
  /** Registry to register into. Default: a new one (never prom-client's global registry). */
  registry?: Registry | undefined
  /** Metric name prefix. Default `tessera_`. */
  prefix?: string | undefined
  /** Store latency buckets in seconds. Default 0.1 ms … 1 s. */
  buckets?: number[] | undefined
  /** Most sessions tracked for `sessions_active`. Default 1 000 000. */
  maxTracked?: number | undefined
}

const LABEL = /^[a-z0-9_]{1,40}$/
const MAX_LABEL_VALUES = 32

/**
 * Keeps a label's value set small: reasons are free text from apps, and every distinct value
 * is a new time series.
 */
class LabelGuard {
  readonly #seen = new Set<string>()
  value(raw: string | undefined): string {
    if (!raw) return 'none'
    if (this.#seen.has(raw)) return raw
    if (!LABEL.test(raw) || this.#seen.size >= MAX_LABEL_VALUES) return 'other'
    this.#seen.add(raw)
    return raw
  }
}

/**
 * Prometheus metrics for sessions, from events, requests and store calls, in their own
 * registry. Serve `metrics.registry.metrics()` with `metrics.registry.contentType`.
 *
 * @example
 * const metrics = sessionMetrics()
 * const sessions = createSessions({ store: instrumentStore(store, metrics) })
 * metrics.attach(sessions)
 * app.use(expressSessions(sessions, { plugins: [metrics.plugin] }))
 */
export class SessionMetrics {
  readonly registry: Registry
  readonly logins: Counter
  readonly loginFailures: Counter<'reason'>
  readonly created: Counter<'reason'>
  readonly renewed: Counter
  readonly expired: Counter<'reason'>
  readonly logouts: Counter<'reason'>
  readonly revoked: Counter<'reason'>
  readonly evicted: Counter
  readonly csrfRefusals: Counter
  readonly anomalies: Counter<'reason'>
  readonly dbscRegistrations: Counter<'alg'>
  readonly dbscRefreshes: Counter
  readonly dbscFailures: Counter<'reason'>
  readonly events: Counter<'type' | 'level'>
  readonly active: Gauge
  readonly storeDuration: FastHistogram
  readonly storeErrors: Counter<'operation'>
  /** Subscribe to `sessions.on(...)` (or call {@link attach}). */
  readonly listener: EventListener
  /** Refreshes `sessions_active` from each committed request (a `Map.set`, no I/O). */
  readonly plugin: Plugin
  #tracker = new ActiveSessions(30 * 60_000, 1_000_000)
  #clock: Clock = systemClock
  readonly #maxTracked: number
  readonly #guards = new Map<string, LabelGuard>()

  constructor(options: MetricsOptions = {}) {
    assertKnownKeys(options, ['registry', 'prefix', 'buckets', 'maxTracked'], 'sessionMetrics()')
    const { Counter, Gauge, Registry } = promClient()
    this.registry = options.registry ?? new Registry()
    const registers = [this.registry]
    const p = options.prefix ?? 'tessera_'
    this.#maxTracked = options.maxTracked ?? 1_000_000
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: p + name, help, labelNames, registers })
    this.logins = counter('logins_total', 'Successful logins')
    this.loginFailures = counter('login_failures_total', 'Failed logins by reason', ['reason'])
    this.created = counter('sessions_created_total', 'Sessions created (login, anonymous)', [
      'reason',
    ])
    this.renewed = counter('sessions_renewed_total', 'Session id rotations')
    this.expired = counter('sessions_expired_total', 'Sessions expired, idle or absolute', [
      'reason',
    ])
    this.logouts = counter('sessions_logout_total', 'Sessions ended by logout or a rule', [
      'reason',
    ])
    this.revoked = counter('sessions_revoked_total', 'Sessions revoked, by reason', ['reason'])
    this.evicted = counter('sessions_evicted_total', 'Sessions evicted by the per-user cap')
    this.csrfRefusals = counter('csrf_refusals_total', 'Requests refused by CSRF checks')
    this.anomalies = counter('anomalies_total', 'Anomaly rule hits by rule', ['reason'])
    this.dbscRegistrations = counter('dbsc_registrations_total', 'DBSC device keys registered', [
      'alg',
    ])
    this.dbscRefreshes = counter('dbsc_refreshes_total', 'DBSC bound cookies refreshed')
    this.dbscFailures = counter(
      'dbsc_failures_total',
      'DBSC registrations and refreshes refused, by reason',
      ['reason'],
    )
    this.events = counter('events_total', 'Every session event by type and level', [
      'type',
      'level',
    ])
    this.storeErrors = counter('store_errors_total', 'Failed session store calls', ['operation'])
    this.storeDuration = new FastHistogram(
      `${p}store_duration_seconds`,
      'Session store call latency',
      'operation',
      options.buckets ?? [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.25, 1],
      registers,
    )
    const self = this
    this.active = new Gauge({
      name: `${p}sessions_active`,
      help: 'Authenticated sessions alive, as seen by this process',
      registers,
      collect() {
        this.set(self.#tracker.count(self.#clock.now()))
      },
    })
    this.listener = (event) => this.#onEvent(event)
    this.plugin = {
      name: 'metrics',
      onCommit: (ctx) => {
        const r = ctx.session.record
        if (r?.userId) this.#tracker.seen(r.handle, this.#clock.now(), r.absoluteExpiresAt)
      },
    }
  }

  /** Subscribes to a manager's events and adopts its clock and idle timeout. Returns `off`. */
  attach(sessions: SessionManager): () => void {
    this.#clock = sessions.options.clock
    this.#tracker = new ActiveSessions(sessions.options.idleMs, this.#maxTracked)
    return sessions.on(this.listener)
  }

  #label(metric: string, raw: string | undefined): string {
    let guard = this.#guards.get(metric)
    if (!guard) {
      guard = new LabelGuard()
      this.#guards.set(metric, guard)
    }
    return guard.value(raw)
  }

  #onEvent(e: SessionEvent): void {
    this.events.inc({ type: e.type, level: e.level })
    const handle = e.handle ?? undefined
    switch (e.type) {
      case 'authn_login_success':
        this.logins.inc()
        return
      case 'authn_login_fail':
        this.loginFailures.inc({ reason: this.#label('fail', e.reason) })
        return
      case 'session_created':
        if (handle && e.userId) this.#tracker.seen(handle, this.#clock.now())
        this.created.inc({ reason: this.#label('created', e.reason) })
        return
      case 'session_renewed':
        if (handle && e.userId) this.#tracker.seen(handle, this.#clock.now())
        this.renewed.inc()
        return
      case 'session_expired':
        if (handle) this.#tracker.ended(handle)
        this.expired.inc({ reason: this.#label('expired', e.reason) })
        return
      case 'session_logout':
        if (handle) this.#tracker.ended(handle)
        this.logouts.inc({ reason: this.#label('logout', e.reason) })
        return
      case 'session_revoked':
        if (handle) this.#tracker.ended(handle)
        this.revoked.inc({ reason: this.#label('revoked', e.reason) })
        return
      case 'excess_sessions_exceeded':
        if (handle) this.#tracker.ended(handle)
        this.evicted.inc()
        return
      case 'malicious_csrf':
        this.csrfRefusals.inc()
        return
      case 'session_anomaly': {
        const { reason, count } = heldBack(e.reason)
        this.anomalies.inc({ reason: this.#label('anomaly', reason) }, count)
        return
      }
      case 'dbsc_registered':
        this.dbscRegistrations.inc({ alg: this.#label('dbsc_alg', e.reason?.toLowerCase()) })
        return
      case 'dbsc_refreshed':
        this.dbscRefreshes.inc()
        return
      case 'dbsc_refresh_failed': {
        const { reason, count } = heldBack(e.reason)
        this.dbscFailures.inc({ reason: this.#label('dbsc_failure', reason) }, count)
        return
      }
    }
  }
}

// Rate-limited events (DBSC anomalies and refresh failures) say how many like them were held
// back: `dbsc_missing:suppressed=41`. The counter counts them all, under the bare reason (the
// suffix would otherwise fail the label guard and land under "other").
function heldBack(raw: string | undefined): { reason: string | undefined; count: number } {
  const m = raw === undefined ? null : /^(.*):suppressed=(\d{1,9})$/.exec(raw)
  return m ? { reason: m[1], count: 1 + Number(m[2]) } : { reason: raw, count: 1 }
}

/**
 * Creates {@link SessionMetrics} in a fresh registry.
 *
 * @example
 * const metrics = sessionMetrics({ prefix: 'bank_' })
 */
export function sessionMetrics(options: MetricsOptions = {}): SessionMetrics {
  return new SessionMetrics(options)
}

import type { SessionManager } from '../core/manager.js'
import type { Plugin } from '../pipeline/types.js'
import { type AnomalyOptions, type AnomalyPlugin, anomalyRules } from './anomaly.js'
import { AuditLog } from './audit/log.js'
import type { AuditBackend } from './audit/types.js'
import { type LogSink, type LogSinkOptions, logSink } from './logger.js'
import { SessionMetrics } from './metrics.js'
import { assertKnownKeys } from '../internal/strict.js'

/** Options of {@link monitor}. Each part is on by default except the audit log; `false` turns one off. */
export interface MonitorOptions {
  /** JSON event lines through pino (default: stdout, level `info`). */
  log?: LogSinkOptions | false | undefined
  /** The persistent audit log, or a backend to build one on. Default: none. */
  audit?: AuditLog | AuditBackend | false | undefined
  /** Prometheus metrics. Default: a new {@link SessionMetrics} in its own registry. */
  metrics?: SessionMetrics | false | undefined
  /** Anomaly rules. Default: every rule at its default (new devices learnt from `audit`). */
  anomaly?: Omit<AnomalyOptions, 'sessions'> | false | undefined
}

/** What {@link monitor} set up. Put `plugins` in the pipeline; `close()` on shutdown. */
export interface Monitoring {
  /**
   * Pipeline plugins, to place first: metrics and anomaly rules. With token mode, also place
   * `anomaly.bearer` after `bearerAuth` so bearer requests get the same rules.
   */
  plugins: Plugin[]
  log: LogSink | null
  audit: AuditLog | null
  metrics: SessionMetrics | null
  anomaly: AnomalyPlugin | null
  /** Unsubscribes everything, flushes logs and the audit queue, closes the audit backend. */
  close(): Promise<void>
}

/**
 * Wires every monitoring part to a session manager in one call. For store latency metrics also
 * wrap the store with `instrumentStore(store, metrics)` before `createSessions`, and for device
 * columns pass `deviceParser: createDeviceParser()` there.
 *
 * @example
 * const m = monitor(sessions, { audit: sqliteAudit({ path: 'data/tessera.db' }) })
 * app.use(expressSessions(sessions, { plugins: [...m.plugins, csrf({ sessions, origins })] }))
 */
export function monitor(sessions: SessionManager, options: MonitorOptions = {}): Monitoring {
  assertKnownKeys(options, ['log', 'audit', 'metrics', 'anomaly'], 'monitor()')
  const offs: Array<() => void> = []
  const log = options.log === false ? null : logSink(options.log ?? {})
  if (log) offs.push(sessions.on(log))
  const audit =
    options.audit === false || options.audit === undefined
      ? null
      : options.audit instanceof AuditLog
        ? options.audit
        : new AuditLog(options.audit, { clock: sessions.options.clock })
  if (audit) offs.push(sessions.on(audit.listener))
  const metrics = options.metrics === false ? null : (options.metrics ?? new SessionMetrics())
  if (metrics) offs.push(metrics.attach(sessions))
  let anomaly: AnomalyPlugin | null = null
  if (options.anomaly !== false) {
    const a = options.anomaly ?? {}
    const newDevice = a.newDevice === undefined && audit ? { audit } : a.newDevice
    const parser = a.deviceParser ?? sessions.options.deviceParser ?? undefined
    anomaly = anomalyRules({ ...a, sessions, newDevice, deviceParser: parser })
    offs.push(() => anomaly?.close())
  }
  const plugins: Plugin[] = []
  if (metrics) plugins.push(metrics.plugin)
  if (anomaly) plugins.push(anomaly)
  return {
    plugins,
    log,
    audit,
    metrics,
    anomaly,
    async close() {
      for (const off of offs) off()
      log?.logger.flush?.()
      await audit?.close()
    },
  }
}

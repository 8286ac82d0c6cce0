import type { Clock, Plugin, SessionManager, SessionStore } from 'tessera-session'
import {
  auditFromUrl,
  AuditLog,
  createDeviceParser,
  type DeviceParser,
  instrumentStore,
  monitor,
  type Monitoring,
  SessionMetrics,
} from 'tessera-session/monitoring'
import type { AppConfig } from './config.js'

/** Test and benchmark hooks for the app's monitoring. */
export interface AppMonitoringOptions {
  /** `false` turns monitoring off entirely (the benchmark's baseline). Default on. */
  enabled?: boolean | undefined
  /** Where JSON event lines go. Default stdout. */
  logDestination?: { write(line: string): unknown } | undefined
  /** Clock for audit retention. */
  clock?: Clock | undefined
}

/** The app's monitoring: a UA parser and store wrapper for `createSessions`, then the sinks. */
export interface AppMonitoring {
  deviceParser: DeviceParser | undefined
  metrics: SessionMetrics | null
  audit: AuditLog | null
  /** Wraps the session store with latency/error metrics. */
  instrument(store: SessionStore): SessionStore
  /** Subscribes logs, audit, metrics and anomaly rules; returns the pipeline plugins (first). */
  start(sessions: SessionManager): Plugin[]
  /** After {@link start}: the plugins that go after `bearerAuth` (anomaly rules for bearers). */
  afterAuth(): Plugin[]
  close(): Promise<void>
}

/**
 * Builds the reference app's monitoring from its configuration: JSON event lines on stdout at
 * `LOG_LEVEL`, the audit log next to the sessions (`STORE_URL`, its own table or stream),
 * Prometheus metrics and the anomaly rules at their defaults.
 *
 * @example
 * const monitoring = await appMonitoring(config)
 * const sessions = createSessions({ store: monitoring.instrument(store), deviceParser: monitoring.deviceParser })
 * const plugins = [...monitoring.start(sessions), bearerAuth(tokens), ...monitoring.afterAuth()]
 */
export async function appMonitoring(
  config: AppConfig,
  options: AppMonitoringOptions = {},
): Promise<AppMonitoring> {
  if (options.enabled === false) {
    return {
      deviceParser: undefined,
      metrics: null,
      audit: null,
      instrument: (store) => store,
      start: () => [],
      afterAuth: () => [],
      close: async () => {},
    }
  }
  const metrics = new SessionMetrics()
  const audit = new AuditLog(await auditFromUrl(config.storeUrl), { clock: options.clock })
  let running: Monitoring | null = null
  return {
    deviceParser: createDeviceParser(),
    metrics,
    audit,
    instrument: (store) => instrumentStore(store, metrics),
    start(sessions) {
      running = monitor(sessions, {
        log: { level: config.logLevel, destination: options.logDestination },
        audit,
        metrics,
      })
      return running.plugins
    },
    afterAuth: () => (running?.anomaly ? [running.anomaly.bearer] : []),
    async close() {
      if (running) await running.close()
      else await audit.close()
    },
  }
}

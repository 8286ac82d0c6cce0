/**
 * Monitoring: safe JSON logs, a persistent audit log, Prometheus metrics, anomaly rules and a
 * cached User-Agent parser. Everything plugs into a manager through `sessions.on(...)` and the
 * pipeline's plugin list.
 *
 * @example
 * import { anomalyRules, auditLog, createDeviceParser, instrumentStore, logSink, memoryAudit,
 *   sessionMetrics } from 'tessera-session/monitoring'
 * const metrics = sessionMetrics()
 * const sessions = createSessions({
 *   store: instrumentStore(store, metrics),
 *   deviceParser: createDeviceParser(),
 * })
 * metrics.attach(sessions)
 * sessions.on(logSink())
 * sessions.on(auditLog(memoryAudit()).listener)
 * app.use(expressSessions(sessions, { plugins: [metrics.plugin, anomalyRules({ sessions })] }))
 */
export {
  ANOMALY_DEFAULTS,
  type AnomalyOptions,
  type AnomalyPlugin,
  anomalyRules,
} from './anomaly.js'
export {
  type AddressCapOptions,
  AUDIT_KINDS,
  type AuditBackend,
  AuditLog,
  type AuditLogOptions,
  type AuditKind,
  type AuditQuery,
  type AuditRecord,
  type AuditStats,
  type AuditUrlOptions,
  auditFromUrl,
  auditLog,
  type MemoryAuditOptions,
  memoryAudit,
  type PostgresAuditOptions,
  postgresAudit,
  type RedisAuditOptions,
  redisAudit,
  type SqliteAuditOptions,
  type StreamClient,
  sqliteAudit,
} from './audit/index.js'
export { createDeviceParser, type DeviceParser, type DeviceParserOptions } from './device.js'
export { instrumentStore } from './instrument.js'
export type { NewDeviceOptions } from './known-devices.js'
export {
  type EventLoggerOptions,
  type LevelLogger,
  type LogSink,
  type LogSinkOptions,
  logSink,
} from './logger.js'
export { type MetricsOptions, SessionMetrics, sessionMetrics } from './metrics.js'
export { type Monitoring, type MonitorOptions, monitor } from './monitor.js'
export { parseUserAgent } from './user-agent.js'

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
 * const pipeline = createPipeline(sessions, [metrics.plugin, anomalyRules({ sessions })])
 */
export { ActiveSessions } from './active.js'
export {
  ANOMALY_DEFAULTS,
  type AnomalyOptions,
  type AnomalyPlugin,
  anomalyRules,
} from './anomaly.js'
export * from './audit/index.js'
export { type BearerRuleSet, bearerAnomaly } from './bearer-anomaly.js'
export {
  createDeviceParser,
  type DeviceParser,
  type DeviceParserOptions,
  deviceKey,
} from './device.js'
export { type GuessingOptions, GuessingDetector } from './guessing.js'
export { instrumentStore } from './instrument.js'
export { KnownDevices, type NewDeviceOptions } from './known-devices.js'
export {
  createEventLogger,
  type EventLogger,
  type EventLoggerOptions,
  type LevelLogger,
  type LogSink,
  type LogSinkOptions,
  logSink,
} from './logger.js'
export { Lru } from './lru.js'
export { type MetricsOptions, SessionMetrics, sessionMetrics } from './metrics.js'
export { cleanEvent, cleanText, MAX_FIELD_LENGTH } from './sanitize.js'
export { parseUserAgent } from './user-agent.js'
export { SlidingWindow } from './window.js'
export { type Monitoring, type MonitorOptions, monitor } from './monitor.js'

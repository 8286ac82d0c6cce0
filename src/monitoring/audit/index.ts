/**
 * The persistent audit log: a batching writer ({@link auditLog}) over one of four backends.
 *
 * @example
 * import { auditLog, auditFromUrl } from 'tessera-session/monitoring'
 * const audit = auditLog(await auditFromUrl('sqlite:data/tessera.db'), { retention: '30d' })
 * sessions.on(audit.listener)
 */
export { type AddressCapOptions, AddressCaps } from './caps.js'
export { auditFromUrl, type AuditUrlOptions } from './from-url.js'
export { AUDIT_KINDS, type AuditKind, auditKind, isAnonymousLifecycle } from './kind.js'
export { AuditLog, type AuditLogOptions, type AuditStats, auditLog } from './log.js'
export { type MemoryAuditOptions, memoryAudit } from './memory.js'
export { type PostgresAuditOptions, postgresAudit } from './postgres.js'
export { type RedisAuditOptions, redisAudit, type StreamClient } from './redis.js'
export { type SqliteAuditOptions, sqliteAudit } from './sqlite.js'
export {
  type AuditBackend,
  type AuditQuery,
  type AuditRecord,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  queryLimit,
} from './types.js'

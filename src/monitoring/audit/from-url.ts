import { configAssert } from '../../core/errors.js'
import type { AuditBackend } from './types.js'
import { assertKnownKeys } from '../../internal/strict.js'

/** Options of {@link auditFromUrl}: names for the audit table or stream. */
export interface AuditUrlOptions {
  /** SQL table name. Default `tessera_audit`. */
  table?: string | undefined
  /** Redis stream key. Default `tessera:audit`. */
  key?: string | undefined
  /** Redis lifecycle stream cap. Default 100 000. */
  maxLen?: number | undefined
  /** Redis security stream cap. Default 100 000. */
  securityMaxLen?: number | undefined
  /** SQL lifecycle row cap. Default 1 000 000. */
  maxRows?: number | undefined
  /** SQL security row cap. Default 1 000 000. */
  maxSecurityRows?: number | undefined
}

/**
 * Opens the audit backend for a `STORE_URL`: `memory:`, `sqlite:<file>`, `redis://…`,
 * `rediss://…`, `redis-cluster://h1:p1,h2:p2`, `postgres://…`. The audit log lives next to the
 * sessions (its own table or stream) but on its own connection. Drivers load lazily.
 *
 * @example
 * const audit = auditLog(await auditFromUrl(process.env.STORE_URL ?? 'sqlite:data/tessera.db'))
 */
export async function auditFromUrl(
  url: string,
  options: AuditUrlOptions = {},
): Promise<AuditBackend> {
  assertKnownKeys(
    options,
    ['table', 'key', 'maxLen', 'securityMaxLen', 'maxRows', 'maxSecurityRows'],
    'auditFromUrl()',
  )
  const scheme = url.slice(0, url.indexOf(':') + 1)
  switch (scheme) {
    case 'memory:': {
      const { memoryAudit } = await import('./memory.js')
      return memoryAudit()
    }
    case 'sqlite:': {
      const { sqliteAudit } = await import('./sqlite.js')
      return sqliteAudit({
        path: url.slice('sqlite:'.length) || ':memory:',
        table: options.table,
        maxRows: options.maxRows,
        maxSecurityRows: options.maxSecurityRows,
      })
    }
    case 'redis:':
    case 'rediss:':
    case 'redis-cluster:': {
      const { redisAudit } = await import('./redis.js')
      return redisAudit({
        url,
        key: options.key,
        maxLen: options.maxLen,
        securityMaxLen: options.securityMaxLen,
      })
    }
    case 'postgres:':
    case 'postgresql:': {
      const { postgresAudit } = await import('./postgres.js')
      return postgresAudit({
        connectionString: url,
        table: options.table,
        maxRows: options.maxRows,
        maxSecurityRows: options.maxSecurityRows,
      })
    }
    default:
      configAssert(
        false,
        'audit URL must start with memory:, sqlite:, redis://, rediss://, redis-cluster:// or postgres://',
      )
  }
}

import type { SessionEvent } from '../../core/events.js'
import { canonicalRecord } from './columns.js'
import { type AuditKind, auditKind } from './kind.js'
import {
  type AuditBackend,
  type AuditQuery,
  type AuditRecord,
  matches,
  queryLimit,
} from './types.js'
import { assertKnownKeys } from '../../internal/strict.js'

/** Options of {@link memoryAudit}. */
export interface MemoryAuditOptions {
  /** Most lifecycle events kept; the oldest go first. Default 10 000. */
  maxEntries?: number | undefined
  /** Most security events kept, apart from lifecycle ones; the oldest go first. Default 10 000. */
  maxSecurityEntries?: number | undefined
}

interface Row {
  seq: number
  record: AuditRecord
  at: number
}

/**
 * An in-process audit backend for tests and single-process demos: two bounded arrays (lifecycle
 * and security events, each with its own cap), lost on restart.
 *
 * @example
 * const audit = auditLog(memoryAudit({ maxEntries: 1000 }))
 */
export function memoryAudit(options: MemoryAuditOptions = {}): AuditBackend {
  assertKnownKeys(options, ['maxEntries', 'maxSecurityEntries'], 'memoryAudit()')
  const max: Record<AuditKind, number> = {
    lifecycle: options.maxEntries ?? 10_000,
    security: options.maxSecurityEntries ?? 10_000,
  }
  const rows: Record<AuditKind, Row[]> = { lifecycle: [], security: [] }
  let next = 1
  return {
    async append(events: readonly SessionEvent[]) {
      for (const e of events) {
        const seq = next++
        const kind = auditKind(e)
        rows[kind].push({ seq, record: canonicalRecord(e, String(seq)), at: Date.parse(e.time) })
      }
      for (const kind of ['lifecycle', 'security'] as const) {
        if (rows[kind].length > max[kind])
          rows[kind] = rows[kind].slice(rows[kind].length - max[kind])
      }
    },
    async query(query: AuditQuery) {
      const limit = queryLimit(query)
      const out: AuditRecord[] = []
      // Newest first across both arrays: a merge of two lists sorted by sequence.
      const a = rows.lifecycle
      const b = rows.security
      let i = a.length - 1
      let j = b.length - 1
      while (out.length < limit && (i >= 0 || j >= 0)) {
        const row = j < 0 || (i >= 0 && a[i]!.seq > b[j]!.seq) ? a[i--]! : b[j--]!
        if (matches(row.record, row.at, query)) out.push({ ...row.record })
      }
      return out
    },
    async prune(before: number, kind?: AuditKind) {
      let removed = 0
      for (const k of kind ? [kind] : (['lifecycle', 'security'] as const)) {
        const kept = rows[k].filter((r) => r.at >= before)
        removed += rows[k].length - kept.length
        rows[k] = kept
      }
      return removed
    },
    async close() {},
  }
}

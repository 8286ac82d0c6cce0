import type { SessionEvent } from '../../core/events.js'
import { canonicalRecord } from './columns.js'
import {
  type AuditBackend,
  type AuditQuery,
  type AuditRecord,
  matches,
  queryLimit,
} from './types.js'

/** Options of {@link memoryAudit}. */
export interface MemoryAuditOptions {
  /** Most events kept; the oldest go first. Default 10 000. */
  maxEntries?: number | undefined
}

/**
 * An in-process audit backend for tests and single-process demos: a bounded array, lost on
 * restart.
 *
 * @example
 * const audit = auditLog(memoryAudit({ maxEntries: 1000 }))
 */
export function memoryAudit(options: MemoryAuditOptions = {}): AuditBackend {
  const max = options.maxEntries ?? 10_000
  let rows: Array<{ record: AuditRecord; at: number }> = []
  let next = 1
  return {
    async append(events: readonly SessionEvent[]) {
      for (const e of events)
        rows.push({ record: canonicalRecord(e, String(next++)), at: Date.parse(e.time) })
      if (rows.length > max) rows = rows.slice(rows.length - max)
    },
    async query(query: AuditQuery) {
      const limit = queryLimit(query)
      const out: AuditRecord[] = []
      for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
        const row = rows[i]!
        if (matches(row.record, row.at, query)) out.push({ ...row.record })
      }
      return out
    },
    async prune(before: number) {
      const kept = rows.filter((r) => r.at >= before)
      const removed = rows.length - kept.length
      rows = kept
      return removed
    },
    async close() {},
  }
}

import { configAssert } from '../../core/errors.js'
import { type Budget, waitBefore } from '../budget.js'
import type { TakeResult } from '../counters.js'

/**
 * A table name the SQL counters accept: plain identifiers only, since names cannot be bound
 * as parameters and are spliced into statements.
 *
 * @example
 * sqlTableName('tessera_throttle', 'sqliteCounters') // 'tessera_throttle'
 */
export function sqlTableName(name: string | undefined, who: string): string {
  const table = name ?? 'tessera_throttle'
  configAssert(
    typeof table === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table),
    `${who} table must be a plain SQL identifier (letters, digits, _; default tessera_throttle)`,
  )
  return table
}

/**
 * The refusal for a key whose conditional upsert counted nothing, from its row as read right
 * after. The wait is recomputed in JavaScript by the same `waitBefore` the upsert used.
 *
 * @example
 * refusal(row && { count: row.count, lastAt: row.last_at }, budget, now)
 */
export function refusal(
  row: { count: number; lastAt: number } | undefined,
  budget: Budget,
  now: number,
): TakeResult {
  // The row vanished or moved on between the two statements: refuse for the shortest time.
  if (row === undefined) return { ok: false, count: 0, retryAfterMs: 1 }
  const readyAt = row.lastAt + waitBefore(row.count, budget)
  return { ok: false, count: row.count, retryAfterMs: Math.max(1, readyAt - now) }
}

/** How often, at most, one process deletes expired rows (they are ignored before that). */
export const SWEEP_EVERY_MS = 60_000

import { configAssert } from '../../core/errors.js'
import type { AuditKind } from './kind.js'

/**
 * The SQL condition selecting one kind of audit row (see {@link AuditKind}); a constant, so it
 * is safe to interpolate. Written as equality and `IN` so the `(level, id)` index serves it.
 *
 * @example
 * `DELETE FROM t WHERE ${KIND_SQL.lifecycle} AND at_ms < ?`
 */
export const KIND_SQL: Readonly<Record<AuditKind, string>> = Object.freeze({
  lifecycle: "level = 'info'",
  security: "level IN ('warn', 'critical')",
})

/** Default row cap of each kind in the SQL backends. */
export const DEFAULT_MAX_ROWS = 1_000_000

/**
 * The row caps of the SQL backends, validated.
 *
 * @example
 * rowCaps(undefined, 50_000) // { lifecycle: 1_000_000, security: 50_000 }
 */
export function rowCaps(
  lifecycle: number | undefined,
  security: number | undefined,
): Record<AuditKind, number> {
  const caps = { lifecycle: lifecycle ?? DEFAULT_MAX_ROWS, security: security ?? DEFAULT_MAX_ROWS }
  for (const [kind, n] of Object.entries(caps))
    configAssert(
      Number.isInteger(n) && n >= 1,
      `audit row cap for ${kind} must be a positive integer`,
    )
  return caps
}

import { configAssert } from './errors.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'30m'`, `'12h'`, `'7d'`. */
export type Duration = number | string

/**
 * Parses a {@link Duration} into milliseconds; throws `ERR_CONFIG` naming `what` when invalid.
 *
 * @example
 * parseDuration('30m', 'idleTimeout') // 1_800_000
 */
export function parseDuration(value: Duration, what: string): number {
  if (typeof value === 'number') {
    configAssert(
      Number.isFinite(value) && value >= 0,
      `${what} must be a non-negative number of milliseconds`,
    )
    return value
  }
  const m = DURATION.exec(value.trim())
  configAssert(m, `${what} must look like 500ms, 5s, 30m, 12h or 7d (got ${JSON.stringify(value)})`)
  return Math.round(Number(m[1]) * UNITS[m[2]!]!)
}

/**
 * Median of a list (mean of the two middle values for even lengths); NaN when empty.
 *
 * @example
 * median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

/**
 * Mean of a list; NaN when empty.
 *
 * @example
 * mean([1, 2]) // 1.5
 */
export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN
}

/**
 * Rotates a list by `n` places, so each round visits the cases in a different order and no
 * case always runs right after the baseline (or always last, when the machine heats up).
 *
 * @example
 * rotate([1, 2, 3], 1) // [2, 3, 1]
 */
export function rotate<T>(list: readonly T[], n: number): T[] {
  if (list.length === 0) return []
  const k = ((n % list.length) + list.length) % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** A range of a per-round quantity: its median and the smallest and largest round. */
export interface Interval {
  median: number
  lo: number
  hi: number
}

/** How a measured ratio stands against a target, judged on its interval over rounds. */
export type Verdict = 'met' | 'not separable' | 'missed' | 'not measured'

/**
 * The median and min–max over rounds of a per-round value. With the few rounds a benchmark can
 * afford (3–5), min–max is the honest interval: a bootstrap of three values says nothing more.
 * Non-finite values are dropped; an empty list gives NaNs.
 *
 * @example
 * interval([0.8, 0.9, 0.85]) // { median: 0.85, lo: 0.8, hi: 0.9 }
 */
export function interval(values: readonly number[]): Interval {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: Number.NaN, lo: Number.NaN, hi: Number.NaN }
  const mid = v.length >> 1
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
  return { median, lo: v[0]!, hi: v[v.length - 1]! }
}

/**
 * A target of the form "ratio ≥ target" judged on the interval: met only when every round
 * cleared it (the lower bound), missed when no round reached it (the upper bound is below),
 * otherwise not separable from the target with this many rounds.
 *
 * @example
 * verdict({ median: 0.86, lo: 0.84, hi: 0.88 }, 0.85) // 'not separable'
 */
export function verdict(i: Interval | undefined, target: number): Verdict {
  if (!i || !Number.isFinite(i.lo) || !Number.isFinite(i.hi)) return 'not measured'
  if (i.lo >= target) return 'met'
  if (i.hi < target) return 'missed'
  return 'not separable'
}

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

/** The `q` quantile (0..1) of sorted values, by nearest rank (the report's percentiles). */
function nearestRank(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN
}

/**
 * A percentile of one sample with a bootstrap interval: `median` is the sample's own `q`
 * quantile (nearest rank), `lo`/`hi` the `(1 − level)/2` and `(1 + level)/2` quantiles of that
 * quantile over `resamples` resamples drawn with replacement. For a measure taken once over
 * many events (1,000 revocations) this is the honest interval; a seeded generator makes a
 * report reproducible from its samples. Infinite values (an event never seen) stay in the
 * sample and can make the bounds infinite; NaNs are dropped.
 *
 * @example
 * bootstrapQuantile(delaysMs, 0.99) // { median: 4.1, lo: 3.6, hi: 5.3 }
 */
export function bootstrapQuantile(
  values: readonly number[],
  q: number,
  o: { resamples?: number; level?: number; seed?: number } = {},
): Interval {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: Number.NaN, lo: Number.NaN, hi: Number.NaN }
  const resamples = o.resamples ?? 2000
  const level = o.level ?? 0.95
  // mulberry32: small, fast and seeded; statistical quality is ample for resampling.
  let state = (o.seed ?? 0x5eed) >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const n = v.length
  const draw = new Float64Array(n)
  const stats = new Float64Array(resamples)
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = v[Math.floor(random() * n)]!
    draw.sort()
    stats[r] = nearestRank(draw, q)
  }
  stats.sort()
  return {
    median: nearestRank(v, q),
    lo: nearestRank(stats, (1 - level) / 2),
    hi: nearestRank(stats, (1 + level) / 2),
  }
}

// FIPS 140-2 (section 4.9.1, as amended by change notice 1) statistical tests on a 20 000-bit
// block: monobit, poker, runs and long run. They catch gross bias and patterns; passing them
// says nothing about predictability (a counter through a hash passes every one).

/** The result of the battery on one 20 000-bit block. */
export interface FipsBlock {
  monobit: { ones: number; pass: boolean }
  poker: { x: number; pass: boolean }
  runs: { pass: boolean; detail: string }
  longRun: { longest: number; pass: boolean }
}

/** Bits per block in FIPS 140-2. */
export const FIPS_BLOCK = 20_000

const RUN_LIMITS: ReadonlyArray<readonly [number, number]> = [
  [2315, 2685],
  [1114, 1386],
  [527, 723],
  [240, 384],
  [103, 209],
  [103, 209],
]

/**
 * Runs the four tests on exactly {@link FIPS_BLOCK} bits (0/1 values).
 *
 * @example
 * const r = fipsBlock(bits.subarray(0, 20_000))
 * r.monobit.pass && r.poker.pass && r.runs.pass && r.longRun.pass
 */
export function fipsBlock(bits: Uint8Array): FipsBlock {
  if (bits.length !== FIPS_BLOCK) throw new RangeError(`FIPS 140-2 needs ${FIPS_BLOCK} bits`)
  let ones = 0
  for (const b of bits) ones += b
  const counts = new Array<number>(16).fill(0)
  for (let i = 0; i < FIPS_BLOCK; i += 4) {
    const nibble = (bits[i]! << 3) | (bits[i + 1]! << 2) | (bits[i + 2]! << 1) | bits[i + 3]!
    counts[nibble]!++
  }
  const x = (16 / 5000) * counts.reduce((s, f) => s + f * f, 0) - 5000
  // Runs of each length (6 means 6 or more), for zeros and ones separately.
  const runs = [new Array<number>(6).fill(0), new Array<number>(6).fill(0)]
  let longest = 0
  let length = 1
  for (let i = 1; i <= FIPS_BLOCK; i++) {
    if (i < FIPS_BLOCK && bits[i] === bits[i - 1]) {
      length++
      continue
    }
    runs[bits[i - 1]!]![Math.min(length, 6) - 1]!++
    longest = Math.max(longest, length)
    length = 1
  }
  const bad: string[] = []
  for (const bit of [0, 1]) {
    RUN_LIMITS.forEach(([lo, hi], i) => {
      const n = runs[bit]![i]!
      if (n < lo || n > hi)
        bad.push(`${n} runs of ${i + 1}${i === 5 ? '+' : ''} ${bit}s (expected ${lo}–${hi})`)
    })
  }
  return {
    monobit: { ones, pass: ones > 9725 && ones < 10275 },
    poker: { x: Math.round(x * 100) / 100, pass: x > 2.16 && x < 46.17 },
    runs: { pass: bad.length === 0, detail: bad.join('; ') || 'all run counts in range' },
    longRun: { longest, pass: longest < 26 },
  }
}

// erfc by Abramowitz–Stegun 7.1.26 (error < 1.5e-7): enough for a test threshold.
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * x)
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
  return poly * Math.exp(-x * x)
}

/**
 * Per-bit monobit: for each bit position across `samples`, whether the count of ones is
 * consistent with p = ½ at family-wise error `alpha` (Bonferroni over the positions).
 * Returns the positions that fail and the largest |z|.
 *
 * @example
 * perBitMonobit(samples, 256).failing // [] for random IDs
 */
export function perBitMonobit(
  samples: readonly Uint8Array[],
  width: number,
  alpha = 1e-3,
): { failing: number[]; maxZ: number; zLimit: number } {
  const n = samples.length
  const perPosition = alpha / width
  // The |z| whose two-sided tail is `perPosition`, by bisection on erfc.
  let lo = 0
  let hi = 10
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (erfc(mid / Math.SQRT2) > perPosition) lo = mid
    else hi = mid
  }
  const zLimit = hi
  const failing: number[] = []
  let maxZ = 0
  for (let j = 0; j < width; j++) {
    let ones = 0
    for (const s of samples) ones += s[j]!
    const z = Math.abs(ones - n / 2) / Math.sqrt(n / 4)
    maxZ = Math.max(maxZ, z)
    if (z > zLimit) failing.push(j)
  }
  return { failing, maxZ: Math.round(maxZ * 100) / 100, zLimit: Math.round(zLimit * 100) / 100 }
}

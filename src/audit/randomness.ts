// Analysis of a sample of tokens (session IDs, CSRF or refresh tokens): encoding, width, bits
// that never change across the sample (structure), embedded timestamps or user names, and the
// FIPS 140-2 battery plus a per-bit monobit test on the bits that do vary.
import { FIPS_BLOCK, fipsBlock, perBitMonobit } from './fips.js'

/** What a sample of tokens shows. */
export interface TokenAnalysis {
  count: number
  distinct: number
  encoding: string
  chars: number
  /** Bits per decoded token, and how many of them vary across the sample. */
  bits: number
  varyingBits: number
  /** Offsets (bytes) where most samples carry a timestamp near now. */
  timestamps: string[]
  /** User names found inside tokens. */
  userData: string[]
  fips: { blocks: number; failed: string[] } | null
  perBit: { failing: number; maxZ: number; zLimit: number }
  /**
   * The chance that random tokens show as many bits that never change across the sample
   * (each position does so with probability 2^(1−count)): near 1 for a lone fixed bit in a
   * small sample, vanishing for real structure.
   */
  fixedByChance: number
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p), summed in log space (p may be 2^-200).
 *
 * @example
 * binomialTail(256, 2 ** -19, 1) // ≈ 4.9e-4
 */
export function binomialTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1
  if (k > n || p <= 0) return 0
  if (p >= 1) return 1
  let logTerm = 0 // log C(n, i) p^i (1-p)^(n-i), built up from i = 0
  let total = 0
  for (let i = 0; i <= n; i++) {
    if (i === 0) logTerm = n * Math.log1p(-p)
    else logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p)
    if (i >= k) total += Math.exp(logTerm)
  }
  return Math.min(1, total)
}

/**
 * Decodes a token to bytes: hex, base64url or base64 when it is one of those, the ID inside a
 * `cookie-signature` value (`s:<id>.<mac>`), else its UTF-8 bytes.
 *
 * @example
 * decodeToken('00ff').encoding // 'hex'
 */
export function decodeToken(raw: string): { bytes: Buffer; encoding: string } {
  let value = raw
  try {
    value = decodeURIComponent(raw)
  } catch {}
  const signed = /^s:([^.]+)\.[A-Za-z0-9+/=_-]+$/.exec(value)
  if (signed) {
    const inner = decodeToken(signed[1]!)
    return {
      bytes: inner.bytes,
      encoding: `${inner.encoding} inside a signed cookie (s:<id>.<mac>)`,
    }
  }
  const parts = value.split('.')
  if (parts.length > 1 && parts.every((p) => p !== '')) {
    // A structured token (prefix.handle.counter.secret, a JWT): its longest part that is not
    // JSON (a JWT's header and claims are data, not randomness) is the secret.
    const json = (p: string) => {
      try {
        return typeof JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) === 'object'
      } catch {
        return false
      }
    }
    const secretParts = parts.filter((p) => !json(p))
    const longest = (secretParts.length > 0 ? secretParts : parts).reduce((a, b) =>
      b.length > a.length ? b : a,
    )
    const inner = decodeToken(longest)
    return {
      bytes: inner.bytes,
      encoding: `${inner.encoding}, the longest of ${parts.length} '.'-separated parts`,
    }
  }
  if (/^[0-9a-f]+$/i.test(value) && value.length % 2 === 0)
    return { bytes: Buffer.from(value, 'hex'), encoding: 'hex' }
  if (/^[A-Za-z0-9_-]+$/.test(value))
    return { bytes: Buffer.from(value, 'base64url'), encoding: 'base64url' }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value))
    return { bytes: Buffer.from(value, 'base64'), encoding: 'base64' }
  return {
    bytes: Buffer.from(value, 'utf8'),
    encoding: 'text (unknown encoding: bits are character bits)',
  }
}

function toBits(bytes: Buffer, width: number): Uint8Array {
  const bits = new Uint8Array(width)
  for (let i = 0; i < width; i++) bits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1
  return bits
}

// A 32-bit seconds or 48-bit milliseconds value within a day of now, at the same offset in at
// least half the sample (a random window lands there by chance about once in 25 000 tries).
function timestampOffsets(
  samples: readonly Buffer[],
  now: number,
): { name: string; from: number; size: number }[] {
  const found: { name: string; from: number; size: number }[] = []
  const width = Math.min(...samples.map((b) => b.length))
  const kinds = [
    { name: 's', size: 4, value: now / 1000, slack: 86_400 },
    { name: 'ms', size: 6, value: now, slack: 86_400_000 },
  ]
  for (const k of kinds) {
    for (let off = 0; off + k.size <= width; off++) {
      let hits = 0
      for (const b of samples) {
        const be = b.readUIntBE(off, k.size)
        const le = b.readUIntLE(off, k.size)
        if (Math.abs(be - k.value) < k.slack || Math.abs(le - k.value) < k.slack) hits++
      }
      if (hits * 2 >= samples.length)
        found.push({ name: `Unix time (${k.name}) at byte ${off}`, from: off, size: k.size })
    }
  }
  return found
}

/**
 * Analyses a sample of tokens. `users` are names that must not appear inside them.
 *
 * @example
 * const a = analyseTokens(ids, ['alice'])
 * a.varyingBits >= 128 && a.fips?.failed.length === 0
 */
export function analyseTokens(
  values: readonly string[],
  users: readonly string[],
  now = Date.now(),
): TokenAnalysis {
  const decoded = values.map(decodeToken)
  const bytes = decoded.map((d) => d.bytes)
  const width = Math.min(...bytes.map((b) => b.length)) * 8
  const bits = bytes.map((b) => toBits(b, width))
  const timestamps = timestampOffsets(bytes, now)
  const inTimestamp = (j: number) =>
    timestamps.some((t) => j >= t.from * 8 && j < (t.from + t.size) * 8)
  const varying: number[] = []
  for (let j = 0; j < width; j++)
    if (!inTimestamp(j) && bits.some((s) => s[j] !== bits[0]![j])) varying.push(j)
  // The battery runs on the varying bits only: fixed bits and timestamps are reported as
  // structure instead, and would otherwise fail the tests for a reason already named.
  const stream = new Uint8Array(varying.length * bits.length)
  let k = 0
  for (const s of bits) for (const j of varying) stream[k++] = s[j]!
  const blocks = Math.floor(stream.length / FIPS_BLOCK)
  const failed: string[] = []
  for (let b = 0; b < blocks; b++) {
    const r = fipsBlock(stream.subarray(b * FIPS_BLOCK, (b + 1) * FIPS_BLOCK))
    if (!r.monobit.pass)
      failed.push(`block ${b + 1} monobit: ${r.monobit.ones} ones (9726–10274 expected)`)
    if (!r.poker.pass) failed.push(`block ${b + 1} poker: X=${r.poker.x} (2.16–46.17 expected)`)
    if (!r.runs.pass) failed.push(`block ${b + 1} runs: ${r.runs.detail}`)
    if (!r.longRun.pass)
      failed.push(`block ${b + 1} long run: ${r.longRun.longest} (< 26 expected)`)
  }
  const perBit = perBitMonobit(
    bits.map((s) => Uint8Array.from(varying, (j) => s[j]!)),
    varying.length,
  )
  const lowered = values.map((v) => v.toLowerCase())
  const texts = bytes.map((b) => b.toString('latin1').toLowerCase())
  // A short name turns up in random text by chance ("bob" in one ID of ten), so a name counts
  // only when it is in most of the sample: then it is part of the format.
  const userData = users.filter((u) => {
    const needle = u.toLowerCase()
    const b64 = Buffer.from(u).toString('base64url').slice(0, -1).toLowerCase()
    const hits = lowered.filter(
      (v, i) => v.includes(needle) || texts[i]!.includes(needle) || v.includes(b64),
    ).length
    return hits * 2 > values.length
  })
  return {
    count: values.length,
    distinct: new Set(values).size,
    encoding: decoded[0]?.encoding ?? 'none',
    chars: Math.min(...values.map((v) => v.length)),
    bits: width,
    varyingBits: varying.length,
    timestamps: timestamps.map((t) => t.name),
    userData,
    fips: blocks > 0 ? { blocks, failed } : null,
    perBit: { failing: perBit.failing.length, maxZ: perBit.maxZ, zLimit: perBit.zLimit },
    fixedByChance: binomialTail(width, 2 ** (1 - values.length), width - varying.length),
  }
}

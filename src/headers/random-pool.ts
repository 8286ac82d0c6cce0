import { randomFillSync } from 'node:crypto'

// One CSPRNG call fills 16 KiB: 1024 nonces (or 512 CSRF masks) per call instead of one.
const POOL_SIZE = 16_384
const pool = Buffer.allocUnsafeSlow(POOL_SIZE)
let offset = POOL_SIZE

/**
 * Reserves `n` fresh random bytes (n ≤ 16 384) in a pooled buffer and returns their offset into
 * {@link randomPool}. Every byte is handed out once: the offset only moves forward and the pool
 * is refilled from the CSPRNG when it runs out. Read the bytes before the next call.
 *
 * @example
 * const at = takeRandom(16)
 * const nonce = randomPool().toString('base64', at, at + 16)
 */
export function takeRandom(n: number): number {
  if (n > POOL_SIZE || n < 0) throw new RangeError(`takeRandom: ${n} bytes is out of range`)
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const at = offset
  offset += n
  return at
}

/**
 * The shared pool behind {@link takeRandom}. Never write to it.
 *
 * @example
 * const at = takeRandom(32)
 * randomPool().copy(target, 0, at, at + 32)
 */
export function randomPool(): Buffer {
  return pool
}

/**
 * `n` fresh random bytes as base64 (CSP nonces: 16 bytes give 128 bits in 24 characters).
 *
 * @example
 * randomBase64(16) // 'k3J0…==' (24 characters)
 */
export function randomBase64(n: number): string {
  const at = takeRandom(n)
  return pool.toString('base64', at, at + n)
}

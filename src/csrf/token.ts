import { randomPool, takeRandom } from '../headers/random-pool.js'

/** Bytes of a CSRF secret (SHA-256 output, as `session.deriveSecret` returns it). */
export const CSRF_SECRET_BYTES = 32
/** Length of a masked token: base64url of mask ‖ (mask XOR secret), 64 bytes → 86 characters. */
export const CSRF_TOKEN_LENGTH = 86

const CANONICAL_TOKEN = /^[A-Za-z0-9_-]{85}[AQgw]$/

/**
 * Masks a 32-byte secret with 32 fresh random bytes: `base64url(mask ‖ mask⊕secret)`. Every call
 * gives a different string for the same secret, so a compressed response (BREACH) never repeats
 * a secret byte-for-byte.
 *
 * @example
 * const token = maskToken(Buffer.from(secret, 'base64url'))
 */
export function maskToken(secret: Uint8Array): string {
  if (secret.length !== CSRF_SECRET_BYTES) throw new RangeError('a CSRF secret has 32 bytes')
  const out = Buffer.allocUnsafe(CSRF_SECRET_BYTES * 2)
  const pool = randomPool()
  const at = takeRandom(CSRF_SECRET_BYTES)
  for (let i = 0; i < CSRF_SECRET_BYTES; i++) {
    const m = pool[at + i]!
    out[i] = m
    out[CSRF_SECRET_BYTES + i] = m ^ secret[i]!
  }
  return out.toString('base64url')
}

/**
 * Unmasks a submitted token: the 32-byte secret it carries, or null when it does not have the
 * exact shape of a Tessera CSRF token. Never throws, whatever the input.
 *
 * @example
 * unmaskToken('garbage') // null
 */
export function unmaskToken(token: unknown): Buffer | null {
  // The decoder skips characters outside the alphabet, and 86 characters carry 4 spare bits
  // that other spellings could set: only the canonical spelling is accepted (alphabet only,
  // and a last character whose spare bits are zero: A, Q, g or w).
  if (typeof token !== 'string' || !CANONICAL_TOKEN.test(token)) return null
  const raw = Buffer.from(token, 'base64url')
  const secret = Buffer.allocUnsafe(CSRF_SECRET_BYTES)
  for (let i = 0; i < CSRF_SECRET_BYTES; i++) secret[i] = raw[i]! ^ raw[CSRF_SECRET_BYTES + i]!
  return secret
}

// Verification decodes into this buffer instead of allocating: it runs synchronously on one
// thread and keeps nothing, so one scratch buffer per process is enough.
const scratch = Buffer.allocUnsafe(CSRF_SECRET_BYTES * 2)

/**
 * True when `token` is a masking of `secret`. The secret comparison is constant-time (a fixed
 * loop that ORs every byte difference, no early exit); a token of the wrong shape is refused
 * before it (which leaks only that the shape was wrong). Allocates nothing.
 *
 * @example
 * verifyToken(submitted, Buffer.from(session.deriveSecret('tessera/csrf')!, 'base64url'))
 */
export function verifyToken(token: unknown, secret: Uint8Array | null): boolean {
  if (!secret || secret.length !== CSRF_SECRET_BYTES) return false
  if (typeof token !== 'string' || !CANONICAL_TOKEN.test(token)) return false
  scratch.write(token, 'base64url')
  let diff = 0
  for (let i = 0; i < CSRF_SECRET_BYTES; i++) {
    diff |= scratch[i]! ^ scratch[CSRF_SECRET_BYTES + i]! ^ secret[i]!
  }
  return diff === 0
}

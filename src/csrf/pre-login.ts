import { createHmac, randomBytes } from 'node:crypto'
import { configAssert } from '../core/errors.js'
import { randomPool, takeRandom } from '../headers/random-pool.js'

/** Length of a pre-login token: base64url of version ‖ expiry ‖ mask ‖ mask⊕MAC (69 bytes). */
export const PRE_LOGIN_TOKEN_LENGTH = 92
/** Length of the pre-login cookie's nonce: 32 random bytes, base64url. */
export const PRE_LOGIN_NONCE_LENGTH = 43

const VERSION = 1
const MAC_BYTES = 32
// version (1) ‖ expiry in seconds since the epoch (4, big-endian) ‖ mask (32) ‖ masked MAC (32)
const HEAD = 5
const TOKEN_BYTES = HEAD + 2 * MAC_BYTES
// 69 bytes are exactly 92 base64url characters: no spare bits, so one spelling per token.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{92}$/
const NONCE_SHAPE = /^[A-Za-z0-9_-]{43}$/
const KEY_LABEL = 'tessera/csrf/pre-login'

/**
 * Login-CSRF tokens for visitors without a session, with nothing stored on the server: the
 * visitor gets a random nonce in a cookie, and forms carry an HMAC over that nonce and an expiry
 * (masked afresh each time, like session tokens, against BREACH). A forged cross-site post cannot
 * read the victim's cookie, so it cannot present a MAC over the victim's nonce.
 *
 * @example
 * const pre = new PreLoginTokens(process.env.CSRF_SECRET, 3_600_000)
 * const token = pre.issue(nonce, Date.now())
 * pre.verify(token, nonce, Date.now()) // true until the expiry
 */
export class PreLoginTokens {
  readonly #key: Buffer
  readonly #ttlMs: number

  /** `secret` (at least 32 bytes) is shared by every process; without it, a random one per process. */
  constructor(secret: string | Uint8Array | undefined, ttlMs: number) {
    const raw =
      secret === undefined
        ? randomBytes(32)
        : typeof secret === 'string'
          ? Buffer.from(secret, 'utf8')
          : Buffer.from(secret)
    configAssert(raw.length >= 32, 'csrf.preLogin.secret must have at least 32 bytes')
    configAssert(
      Number.isFinite(ttlMs) && ttlMs >= 1000 && ttlMs <= 86_400_000,
      'csrf.preLogin.ttl must be between 1s and 24h',
    )
    // Domain separation: the app may pass a secret it also uses elsewhere.
    this.#key = createHmac('sha256', raw).update(KEY_LABEL).digest()
    this.#ttlMs = ttlMs
  }

  /** How long a token stays valid, in milliseconds. */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /** A fresh nonce for the pre-login cookie (32 bytes from the pooled CSPRNG). */
  static nonce(): string {
    const at = takeRandom(32)
    return randomPool().toString('base64url', at, at + 32)
  }

  /** True when `value` has the shape of a nonce this class makes. */
  static isNonce(value: string | undefined): value is string {
    return value !== undefined && NONCE_SHAPE.test(value)
  }

  /** A token bound to `nonce`, valid until `now` plus the lifetime. */
  issue(nonce: string, now: number): string {
    const expiry = Math.floor((now + this.#ttlMs) / 1000)
    const mac = this.#mac(nonce, expiry)
    const out = Buffer.allocUnsafe(TOKEN_BYTES)
    out[0] = VERSION
    out.writeUInt32BE(expiry, 1)
    const pool = randomPool()
    const at = takeRandom(MAC_BYTES)
    for (let i = 0; i < MAC_BYTES; i++) {
      const m = pool[at + i]!
      out[HEAD + i] = m
      out[HEAD + MAC_BYTES + i] = m ^ mac[i]!
    }
    return out.toString('base64url')
  }

  /**
   * True when `token` was issued for `nonce` and has not expired at `now`. Never throws; the
   * MAC comparison is constant-time.
   */
  verify(token: unknown, nonce: string | undefined, now: number): boolean {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return false
    if (!PreLoginTokens.isNonce(nonce)) return false
    const raw = Buffer.from(token, 'base64url')
    if (raw.length !== TOKEN_BYTES || raw[0] !== VERSION) return false
    const expiry = raw.readUInt32BE(1)
    if (expiry * 1000 <= now) return false
    const mac = this.#mac(nonce, expiry)
    let diff = 0
    for (let i = 0; i < MAC_BYTES; i++)
      diff |= raw[HEAD + i]! ^ raw[HEAD + MAC_BYTES + i]! ^ mac[i]!
    return diff === 0
  }

  #mac(nonce: string, expiry: number): Buffer {
    return createHmac('sha256', this.#key).update(`${nonce}.${expiry}`).digest()
  }
}

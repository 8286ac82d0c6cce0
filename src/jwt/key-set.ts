import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto'
import { type Clock, systemClock } from '../core/clock.js'
import { configAssert } from '../core/errors.js'
import { assertKnownKeys } from '../internal/strict.js'
import { type KeyInput, parseKey, type TokenAlg, type TokenKey } from './keys.js'

interface Entry {
  key: TokenKey
  /** Instant (ms) after which the key no longer verifies; Infinity while it may still sign. */
  verifyUntil: number
}

/** The public half of a key set, as served at `/.well-known/jwks.json`. */
export interface Jwks {
  keys: JsonWebKey[]
}

/**
 * The keys that sign and verify access tokens. One key signs (the newest); older keys keep
 * verifying until the tokens they signed have expired, then drop out. Each key is pinned to its
 * algorithm, so a token can never choose how it is checked.
 *
 * @example
 * const keys = new KeySet([{ key: process.env.JWT_KEY! }])
 * keys.rotate({ key: nextKey }, 5 * 60_000 + 5_000) // old key verifies for one more token lifetime
 */
export class KeySet {
  readonly #entries = new Map<string, Entry>()
  readonly #clock: Clock
  #signer: TokenKey

  /** `inputs[0]` signs; the others only verify (for instance the previous key after a restart). */
  constructor(inputs: readonly KeyInput[], options: { clock?: Clock | undefined } = {}) {
    configAssert(
      Array.isArray(inputs) && inputs.length > 0,
      'at least one token signing key is required (run `npx tessera-session keygen`)',
    )
    assertKnownKeys(options, ['clock'], 'KeySet')
    this.#clock = options.clock ?? systemClock
    const keys = inputs.map(parseKey)
    for (const key of keys) {
      configAssert(!this.#entries.has(key.kid), `duplicate kid ${JSON.stringify(key.kid)}`)
      this.#entries.set(key.kid, { key, verifyUntil: Number.POSITIVE_INFINITY })
    }
    this.#signer = keys[0]!
  }

  /** A key set with one freshly generated key (tests, development, ephemeral demo servers). */
  static generate(alg: TokenAlg = 'EdDSA', options: { clock?: Clock | undefined } = {}): KeySet {
    return new KeySet([generateKeyInput(alg)], options)
  }

  /** The key that signs new tokens. */
  get signer(): TokenKey {
    return this.#signer
  }

  /** Algorithms of the keys currently held (for verifiers that want an allow-list). */
  get algorithms(): TokenAlg[] {
    return [...new Set([...this.#entries.values()].map((e) => e.key.alg))]
  }

  /** The verifying key for `kid`, or null when unknown or retired. */
  find(kid: string): TokenKey | null {
    const e = this.#entries.get(kid)
    if (e === undefined) return null
    return e.verifyUntil > this.#clock.now() ? e.key : null
  }

  /**
   * Makes `next` the signing key. The previous signer keeps verifying for `keepOldForMs` (use
   * the access-token lifetime plus the leeway), so tokens it signed stay valid until they expire.
   */
  rotate(next: KeyInput, keepOldForMs: number): TokenKey {
    const key = parseKey(next)
    configAssert(!this.#entries.has(key.kid), `duplicate kid ${JSON.stringify(key.kid)}`)
    const old = this.#entries.get(this.#signer.kid)
    if (old) old.verifyUntil = this.#clock.now() + keepOldForMs
    this.#entries.set(key.kid, { key, verifyUntil: Number.POSITIVE_INFINITY })
    this.#signer = key
    this.#prune()
    return key
  }

  /** Stops trusting a key at once (compromise). The signing key cannot be removed. */
  remove(kid: string): boolean {
    configAssert(kid !== this.#signer.kid, 'rotate to a new key before removing the signing key')
    return this.#entries.delete(kid)
  }

  /** Public keys still trusted, for `/.well-known/jwks.json`. HS256 secrets are never listed. */
  jwks(): Jwks {
    this.#prune()
    const keys: JsonWebKey[] = []
    for (const e of this.#entries.values()) if (e.key.publicJwk) keys.push({ ...e.key.publicJwk })
    return { keys }
  }

  #prune(): void {
    const now = this.#clock.now()
    for (const [kid, e] of this.#entries) if (e.verifyUntil <= now) this.#entries.delete(kid)
  }
}

/**
 * A new random key as a {@link KeyInput}: an Ed25519 or P-256 private key, or a 256-bit secret.
 *
 * @example
 * const keys = new KeySet([generateKeyInput('ES256')])
 */
export function generateKeyInput(alg: TokenAlg = 'EdDSA'): KeyInput {
  if (alg === 'HS256') return { alg, key: randomBytes(32).toString('base64url') }
  if (alg === 'ES256')
    return { alg, key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }
  configAssert(alg === 'EdDSA', `unsupported alg ${JSON.stringify(alg)}: EdDSA, ES256 or HS256`)
  return { alg, key: generateKeyPairSync('ed25519').privateKey }
}

import type { KeySet } from './key-set.js'
import type { AccessClaims } from './policy.js'

interface Entry {
  claims: AccessClaims
  kid: string
}

/**
 * Access tokens that already passed full verification, so a client reusing its token for many
 * requests pays the signature check (≈50–200 µs for Ed25519) once, not per request. Only
 * successes are remembered (an attacker cannot fill it with garbage), a hit needs the exact same
 * token string, and every hit re-checks what can change: expiry and whether the signing key is
 * still trusted. Revocation is checked by the caller after the cache, on every request.
 * Bounded; the oldest entry leaves first. Tokens live only in this process's memory.
 *
 * @example
 * const cache = new VerifiedCache(10_000)
 * const claims = cache.get(token, nowSec, 5, keys) ?? verifyAndRemember(token)
 */
export class VerifiedCache {
  readonly #map = new Map<string, Entry>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  /** Claims of a previously verified `token` that is still unexpired under a trusted key. */
  get(token: string, nowSec: number, leewaySec: number, keys: KeySet): AccessClaims | null {
    const e = this.#map.get(token)
    if (e === undefined) return null
    if (e.claims.exp <= nowSec - leewaySec || keys.find(e.kid) === null) {
      this.#map.delete(token)
      return null
    }
    return e.claims
  }

  /** Remembers a token that passed full verification. */
  set(token: string, claims: AccessClaims, kid: string): void {
    if (this.#max === 0) return
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(token, { claims, kid })
  }

  /** Entries held. */
  get size(): number {
    return this.#map.size
  }
}

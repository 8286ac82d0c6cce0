// The two values the server checks with a MAC instead of a store read or a signature: the
// short-lived bound cookie (checked on every request of a bound session) and the registration
// challenge (checked before any signature work). Each has its own key, derived from the one
// configured secret, so a value of one kind can never pass for the other.
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto'
import { randomId } from './state.js'

/** Outcome of {@link BoundCookieMac.check}. */
export type BoundCheck = 'ok' | 'missing' | 'invalid' | 'expired'

function derive(secret: string, label: string): KeyObject {
  return createSecretKey(createHmac('sha256', secret).update(label).digest())
}

function mac(key: KeyObject, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

// Compares a presented base64url MAC with the expected bytes in constant time.
function sameMac(presented: string, expected: Buffer): boolean {
  if (presented.length !== 43) return false
  const bytes = Buffer.from(presented, 'base64url')
  return bytes.length === expected.length && timingSafeEqual(bytes, expected)
}

/** How many verified bound-cookie values a process remembers (one per active browser). */
const REMEMBERED = 10_000

/**
 * The bound cookie's value: `<expiry, s>.<HMAC(binding id, expiry)>`. It names no session (the
 * session cookie does); it only proves that the browser of this binding refreshed recently.
 *
 * A value that verified once is remembered (value → binding id, at most {@link REMEMBERED},
 * oldest forgotten first), so the requests of a browser between two refreshes cost a map
 * lookup instead of an HMAC (`createHmac` is microseconds in Node). Only values with a valid
 * MAC are remembered: made-up values always pay the HMAC and fill nothing.
 *
 * @example
 * const macs = new BoundCookieMac(secret)
 * macs.check(macs.value('b1', now + 600_000), 'b1', now) // 'ok'
 */
export class BoundCookieMac {
  readonly #key: KeyObject
  readonly #verified = new Map<string, string>()

  constructor(secret: string) {
    this.#key = derive(secret, 'tessera-dbsc-bound-cookie-v1')
  }

  /** The cookie value for binding `id`, valid until `expiresAt` (ms; kept to the second). */
  value(id: string, expiresAt: number): string {
    const exp = Math.floor(expiresAt / 1000)
    return `${exp}.${mac(this.#key, `${id}.${exp}`).toString('base64url')}`
  }

  /** Checks a presented value (undefined: none) for binding `id` at `now` (ms). */
  check(value: string | undefined, id: string, now: number): BoundCheck {
    if (value === undefined) return 'missing'
    const dot = value.indexOf('.')
    if (dot < 1 || dot > 12) return 'invalid'
    const exp = Number(value.slice(0, dot))
    if (!Number.isSafeInteger(exp)) return 'invalid'
    const known = this.#verified.get(value)
    if (known === undefined) {
      if (!sameMac(value.slice(dot + 1), mac(this.#key, `${id}.${exp}`))) return 'invalid'
      if (this.#verified.size >= REMEMBERED)
        this.#verified.delete(this.#verified.keys().next().value!)
      this.#verified.set(value, id)
    } else if (known !== id) return 'invalid'
    return exp * 1000 > now ? 'ok' : 'expired'
  }
}

/**
 * Registration challenges: `<nonce>.<expiry, s>.<HMAC(handle, sign-in instant, nonce, expiry)>`.
 * Nothing is stored when one is offered (it rides on the sign-in response, which is already
 * written); it names the session and the sign-in it belongs to, and a registration is accepted
 * once per sign-in (the binding records its `epoch`, written with a compare-and-set).
 *
 * @example
 * const c = challenges.issue(record.handle, record.authenticatedAt, now + 300_000)
 * challenges.check(c, record.handle, record.authenticatedAt, now) // true
 */
export class RegistrationChallenges {
  readonly #key: KeyObject

  constructor(secret: string) {
    this.#key = derive(secret, 'tessera-dbsc-registration-v1')
  }

  /** A new challenge for the session `handle` signed in at `epoch`, valid until `expiresAt`. */
  issue(handle: string, epoch: number, expiresAt: number): string {
    const nonce = randomId()
    const exp = Math.floor(expiresAt / 1000)
    const tag = mac(this.#key, `${handle}.${epoch}.${nonce}.${exp}`).toString('base64url')
    return `${nonce}.${exp}.${tag}`
  }

  /** True when `value` was issued for this handle and sign-in and has not expired at `now`. */
  check(value: string, handle: string, epoch: number, now: number): boolean {
    const parts = value.split('.')
    if (parts.length !== 3) return false
    const [nonce, expText, tag] = parts as [string, string, string]
    const exp = Number(expText)
    if (nonce.length !== 24 || !Number.isSafeInteger(exp) || exp * 1000 <= now) return false
    return sameMac(tag, mac(this.#key, `${handle}.${epoch}.${nonce}.${exp}`))
  }
}

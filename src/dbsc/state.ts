// The binding as it lives on the session record: one reserved data key, written only by the
// registration and refresh endpoints with a compare-and-set on the record version, so every
// store gives atomic, single-use challenges without store code of its own.
import { randomBytes } from 'node:crypto'
import type { SessionRecord } from '../core/record.js'
import type { DbscAlgorithm, PublicJwk } from './jws.js'

/** The session data key (reserved `$` prefix) that holds the binding. */
export const BINDING_KEY = '$dbsc'

/** A refresh challenge and the instant (ms) it stops being accepted. */
export type Challenge = [value: string, expiresAt: number]

/** Signed refreshes counted in a window that opened at `since` (ms), one bound-cookie lifetime long. */
export type RefreshCount = [since: number, count: number]

/** A session's device binding, as stored. */
export interface Binding {
  /** The DBSC session identifier (random; sent back in `Sec-Secure-Session-Id`). */
  id: string
  alg: DbscAlgorithm
  /** The browser's public key. */
  jwk: PublicJwk
  /** The `authenticatedAt` of the sign-in it was registered for: one registration each. */
  epoch: number
  /** When it was registered (ms). */
  at: number
  /** The current refresh challenge. */
  c: Challenge | null
  /** The one it superseded, still accepted until it expires (requests cross on the wire). */
  p: Challenge | null
  /** Signed refreshes in the current window (null: none yet). */
  n: RefreshCount | null
}

/**
 * The binding id of a record, or null when it is not bound: the only thing the per-request
 * check needs, read without validating the rest.
 *
 * @example
 * const id = boundId(session.record)
 */
export function boundId(record: Readonly<SessionRecord> | null): string | null {
  const b = record?.data[BINDING_KEY] as { id?: unknown } | undefined
  return b !== undefined && b !== null && typeof b.id === 'string' ? b.id : null
}

function isChallenge(v: unknown): v is Challenge {
  return Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number'
}

function isCount(v: unknown): v is RefreshCount {
  return Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number'
}

/**
 * The record's binding, checked field by field (a record from an older version, or one edited
 * by hand, reads as unbound rather than failing later).
 *
 * @example
 * const binding = bindingOf(record)
 */
export function bindingOf(record: Readonly<SessionRecord> | null): Binding | null {
  const b = record?.data[BINDING_KEY]
  if (!b || typeof b !== 'object') return null
  const o = b as Record<string, unknown>
  const jwk = o.jwk as { kty?: unknown } | undefined
  if (
    typeof o.id !== 'string' ||
    (o.alg !== 'ES256' && o.alg !== 'RS256') ||
    !jwk ||
    typeof jwk !== 'object' ||
    (jwk.kty !== 'EC' && jwk.kty !== 'RSA') ||
    typeof o.epoch !== 'number' ||
    typeof o.at !== 'number'
  )
    return null
  return {
    id: o.id,
    alg: o.alg,
    jwk: jwk as PublicJwk,
    epoch: o.epoch,
    at: o.at,
    c: isChallenge(o.c) ? o.c : null,
    p: isChallenge(o.p) ? o.p : null,
    n: isCount(o.n) ? o.n : null,
  }
}

/**
 * A fresh random value (144 bits, base64url): challenges and binding ids.
 *
 * @example
 * const challenge = randomId()
 */
export function randomId(): string {
  return randomBytes(18).toString('base64url')
}

/**
 * The binding with a new current challenge; the current one, if still valid, becomes the
 * superseded one (and an older superseded one is dropped).
 *
 * @example
 * const next = withChallenge(binding, randomId(), now + ttl, now)
 */
export function withChallenge(b: Binding, value: string, expiresAt: number, now: number): Binding {
  const keep = b.c !== null && b.c[1] > now ? b.c : null
  return { ...b, c: [value, expiresAt], p: keep }
}

/**
 * The current challenge if more than half of its lifetime (`ttlMs`) is left, else null. Asking
 * again gets this one back, with no write: so a challenge is superseded only in its second
 * half, and the one after it only once the first has expired — asking, however often, never
 * pushes out a challenge a browser cached before it expires.
 *
 * @example
 * const reuse = reusableChallenge(binding, now, o.challengeTtlMs)
 */
export function reusableChallenge(b: Binding, now: number, ttlMs: number): string | null {
  return b.c !== null && b.c[1] - now > ttlMs / 2 ? b.c[0] : null
}

/**
 * The signed refreshes counted in the window `now` falls in (`windowMs` from the first).
 *
 * @example
 * if (refreshesIn(binding, now, o.boundTtlMs) >= LIMIT) return tooMany()
 */
export function refreshesIn(b: Binding, now: number, windowMs: number): number {
  return b.n !== null && now < b.n[0] + windowMs ? b.n[1] : 0
}

/**
 * The count after one more signed refresh at `now`: the window goes on, or a new one opens.
 *
 * @example
 * const n = countRefresh(binding, now, o.boundTtlMs)
 */
export function countRefresh(b: Binding, now: number, windowMs: number): RefreshCount {
  return b.n !== null && now < b.n[0] + windowMs ? [b.n[0], b.n[1] + 1] : [now, 1]
}

/**
 * Which stored challenge `jti` is, if either is unexpired: `current`, `previous`, or null.
 *
 * @example
 * if (matchChallenge(binding, proof.jti, now) === null) return challengeAgain()
 */
export function matchChallenge(
  b: Binding,
  jti: string,
  now: number,
): 'current' | 'previous' | null {
  if (b.c !== null && b.c[0] === jti && b.c[1] > now) return 'current'
  if (b.p !== null && b.p[0] === jti && b.p[1] > now) return 'previous'
  return null
}

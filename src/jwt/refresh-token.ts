import { createHmac, type KeyObject } from 'node:crypto'
import { generateToken, hashToken } from '../core/token.js'

/** A parsed refresh token: which session, which generation, and the secret itself. */
export interface RefreshToken {
  /** Public handle of the session (the token family). */
  handle: string
  /** 0 for the token issued at login, +1 for each rotation. */
  gen: number
  /** 256-bit secret, base64url (43 characters). Only its hash is stored. */
  secret: string
}

/** Highest generation accepted (one refresh a second for 30 years). */
export const MAX_GENERATION = 999_999_999
const SHAPE = /^tsr1\.([A-Za-z0-9_-]{22})\.(0|[1-9][0-9]{0,8})\.([A-Za-z0-9_-]{43})$/

/**
 * Parses `tsr1.<handle>.<gen>.<secret>`; null for anything else (including every JWT, which has
 * three segments, so an access token is never mistaken for a refresh token).
 *
 * @example
 * parseRefreshToken(body.refresh_token)?.handle
 */
export function parseRefreshToken(value: unknown): RefreshToken | null {
  if (typeof value !== 'string' || value.length > 100) return null
  const m = SHAPE.exec(value)
  if (!m) return null
  return { handle: m[1]!, gen: Number(m[2]), secret: m[3]! }
}

/**
 * Serialises a refresh token.
 *
 * @example
 * formatRefreshToken({ handle, gen: 0, secret: generateToken() })
 */
export function formatRefreshToken(t: RefreshToken): string {
  return `tsr1.${t.handle}.${t.gen}.${t.secret}`
}

/**
 * The first token of a new family.
 *
 * @example
 * const first = firstRefreshToken(generateHandle())
 */
export function firstRefreshToken(handle: string): RefreshToken {
  return { handle, gen: 0, secret: generateToken() }
}

/**
 * The successor of `t`: its secret is HMAC(server key, handle.gen.secret). Deterministic, so two
 * concurrent refreshes of the same token get the identical successor without storing it; keyed,
 * so only the server can walk the chain forward (a thief holding one token cannot compute the
 * next), and a spent token can be proved to belong to the family by walking it forward to the
 * current one.
 *
 * @example
 * const next = successor(key, current)
 */
export function successor(key: KeyObject, t: RefreshToken): RefreshToken {
  const gen = t.gen + 1
  const secret = createHmac('sha256', key)
    .update(`${t.handle}.${gen}.${t.secret}`)
    .digest('base64url')
  return { handle: t.handle, gen, secret }
}

/**
 * Walks `t` forward to generation `gen` (at most `maxSteps` steps) and returns the stored hash
 * of the token there, or null when the walk would be too long.
 *
 * @example
 * walkToHash(key, spent, record.data.$gen, 10_000) === record.data.$rt // spent token is ours
 */
export function walkToHash(
  key: KeyObject,
  t: RefreshToken,
  gen: number,
  maxSteps: number,
): string | null {
  if (gen < t.gen || gen - t.gen > maxSteps) return null
  let cur = t
  while (cur.gen < gen) cur = successor(key, cur)
  return hashToken(cur.secret)
}

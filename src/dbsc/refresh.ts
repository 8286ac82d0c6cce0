// The refresh endpoint: `Sec-Secure-Session-Id` alone gets a 403 with a challenge; a proof over
// the current (or the superseded) challenge, signed with the stored key, gets a new bound
// cookie. The challenge is consumed by a compare-and-set, so a replay finds it gone. At most
// one signature verification, and none before the challenge matched and the session's budget
// of signed refreshes allows one.
import type { RequestContext } from '../pipeline/types.js'
import { keyOf, parseProof, verifyProof } from './jws.js'
import { boundCookie, casBinding, emit, emitLimited, type Kit, throttle } from './kit.js'
import { challenged, type DbscReply, ended, issued, refused } from './protocol.js'
import {
  type Binding,
  bindingOf,
  countRefresh,
  matchChallenge,
  randomId,
  refreshesIn,
  reusableChallenge,
  withChallenge,
} from './state.js'
import { parseSfString } from './structured.js'

/**
 * Signed refreshes a binding may make per bound-cookie lifetime: a browser needs one (two or
 * three when a refresh fails on the way or the server asks for one early).
 */
export const REFRESH_LIMIT = 10

/**
 * Handles `POST <refreshPath>` for the request's session.
 *
 * @example
 * const reply = await refresh(kit, ctx)
 */
export async function refresh(kit: Kit, ctx: RequestContext): Promise<DbscReply> {
  const o = kit.o
  if (ctx.input.method !== 'POST')
    return refused(405, 'ERR_METHOD_NOT_ALLOWED', 'use POST', [['allow', 'POST']])
  const sid = parseSfString(ctx.input.header('sec-secure-session-id'))
  if (sid === null) return refused(400, 'ERR_BAD_REQUEST', 'Sec-Secure-Session-Id is missing')
  const record = ctx.session.record
  const binding = bindingOf(record)
  if (!record || record.userId === null || binding === null || binding.id !== sid) {
    // Logged out, revoked, expired, password changed, or re-registered: the browser drops it.
    emitLimited(kit, ctx, 'dbsc_refresh_failed', 'info', record, 'ended')
    return ended()
  }
  const now = o.sessions.options.clock.now()
  // Anyone with the session cookie can repeat a failing refresh: one event a minute per reason.
  const fail = (reason: string) =>
    emitLimited(kit, ctx, 'dbsc_refresh_failed', 'warn', record, reason)
  const response = ctx.input.header('secure-session-response')
  if (response === undefined) return challenge(kit, ctx, binding, now)
  const proof = parseProof(parseSfString(response))
  if (proof === null) {
    fail('malformed_proof')
    return refused(400, 'ERR_BAD_REQUEST', 'Secure-Session-Response is malformed')
  }
  if (matchChallenge(binding, proof.jti, now) === null) {
    fail('stale_challenge')
    return challenge(kit, ctx, binding, now)
  }

  // An account holder could chain refreshes (each 200 hands out the next challenge): a bound
  // browser needs one per bound-cookie lifetime, so past REFRESH_LIMIT the answer is 429, with
  // no signature work and no write. Two racing proofs can pass this check on one record, so the
  // count may end one over (there are never more than two live challenges).
  const used = refreshesIn(binding, now, o.boundTtlMs)
  if (used >= REFRESH_LIMIT) {
    const wait = Math.max(1, Math.ceil((binding.n![0] + o.boundTtlMs - now) / 1000))
    return refused(429, 'ERR_TOO_MANY_REQUESTS', 'too many refreshes; try again later', [
      ['retry-after', String(wait)],
    ])
  }
  const t = await throttle(kit, ctx)
  if ('status' in t) return t
  const key = keyOf(binding.jwk)
  const valid = key !== null && proof.alg === binding.alg && verifyProof(proof, key)
  await t.settle(valid)
  if (!valid) {
    fail('bad_proof')
    // A live session cookie with a proof the bound key did not make: someone else's machine.
    emit(kit, ctx, 'session_anomaly', 'critical', record, 'dbsc_bad_proof')
    return refused(401, 'ERR_DBSC_PROOF', 'the proof does not verify')
  }

  const next = randomId()
  const written = await casBinding(kit, record, (current) => {
    // Each registration makes a new id, so the same id means the same key we verified with.
    const b = bindingOf(current)
    if (b === null || b.id !== binding.id) return 'ended'
    if (matchChallenge(b, proof.jti, now) === null) return 'replayed'
    return {
      ...b,
      c: [next, now + o.challengeTtlMs],
      p: null,
      n: countRefresh(b, now, o.boundTtlMs),
    }
  })
  if (!written.ok) {
    fail(written.reason)
    if (written.reason === 'ended') return ended()
    // The loaded record's challenge was just consumed by another request: store a new one.
    return challenge(kit, ctx, binding, now, false)
  }
  emit(kit, ctx, 'dbsc_refreshed', 'info', record)
  return issued(o, binding.id, boundCookie(kit, binding.id, now), next)
}

/**
 * 403 with a challenge: the current one while more than half of its lifetime is left (no
 * write), else a new one, stored first (the current one stays accepted as superseded).
 * Superseding a live challenge is the one write a holder of the session cookie can cause at
 * will, so it is counted on the address budget (and refused with 429 once it is spent); the
 * reuse rule already bounds it to one per half lifetime per session.
 */
async function challenge(
  kit: Kit,
  ctx: RequestContext,
  binding: Binding,
  now: number,
  reuse = true,
): Promise<DbscReply> {
  const ttl = kit.o.challengeTtlMs
  const current = reuse ? reusableChallenge(binding, now, ttl) : null
  if (current !== null) return challenged(current, binding.id)
  if (reuse && binding.c !== null && binding.c[1] > now) {
    const t = await throttle(kit, ctx)
    if ('status' in t) return t
  }
  const value = randomId()
  const kept: { value: string | null } = { value: null }
  const loaded = ctx.session.record!
  const written = await casBinding(kit, loaded, (record) => {
    const b = bindingOf(record)
    if (b === null || b.id !== binding.id) return 'ended'
    // Another request stored one meanwhile (a racing ask, a refresh): hand that one out, so
    // two asks at once cannot push out the challenge before it.
    kept.value = reuse || record !== loaded ? reusableChallenge(b, now, ttl) : null
    return kept.value === null ? withChallenge(b, value, now + ttl, now) : 'kept'
  })
  if (written.ok) return challenged(value, binding.id)
  if (kept.value !== null) return challenged(kept.value, binding.id)
  if (written.reason === 'ended') return ended()
  return refused(503, 'ERR_SESSION_CONFLICT', 'the session kept changing; retry')
}

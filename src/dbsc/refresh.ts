// The refresh endpoint: `Sec-Secure-Session-Id` alone gets a 403 with a challenge; a proof over
// the current (or the superseded) challenge, signed with the stored key, gets a new bound
// cookie. The challenge is consumed by a compare-and-set, so a replay finds it gone. At most
// one signature verification, and none before the challenge matched.
import type { RequestContext } from '../pipeline/types.js'
import { keyOf, parseProof, verifyProof } from './jws.js'
import { boundCookie, casBinding, emit, type Kit, throttle } from './kit.js'
import { challenged, type DbscReply, ended, issued, refused } from './protocol.js'
import { type Binding, bindingOf, matchChallenge, randomId, withChallenge } from './state.js'
import { parseSfString } from './structured.js'

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
    emit(kit, ctx, 'dbsc_refresh_failed', 'info', record, 'ended')
    return ended()
  }
  const now = o.sessions.options.clock.now()
  const fail = (reason: string) => emit(kit, ctx, 'dbsc_refresh_failed', 'warn', record, reason)
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
    return { ...b, c: [next, now + o.challengeTtlMs], p: null }
  })
  if (!written.ok) {
    fail(written.reason)
    if (written.reason === 'ended') return ended()
    return challenge(kit, ctx, binding, now)
  }
  emit(kit, ctx, 'dbsc_refreshed', 'info', record)
  return issued(o, binding.id, boundCookie(kit, binding.id, now), next)
}

/** 403 with a new challenge, stored first (the current one stays accepted as superseded). */
async function challenge(
  kit: Kit,
  ctx: RequestContext,
  binding: Binding,
  now: number,
): Promise<DbscReply> {
  const value = randomId()
  const written = await casBinding(kit, ctx.session.record!, (current) => {
    const b = bindingOf(current)
    if (b === null || b.id !== binding.id) return 'ended'
    return withChallenge(b, value, now + kit.o.challengeTtlMs, now)
  })
  if (written.ok) return challenged(value, binding.id)
  if (written.reason === 'ended') return ended()
  return refused(503, 'ERR_SESSION_CONFLICT', 'the session kept changing; retry')
}

// The registration endpoint: the browser posts a proof signed by its new key over the
// challenge offered at sign-in; the key is stored on the session and the first bound cookie
// issued. At most one signature verification, and only after the challenge's MAC checked out.
import type { RequestContext } from '../pipeline/types.js'
import { importJwk, parseProof, verifyProof } from './jws.js'
import { boundCookie, casBinding, emit, emitLimited, type Kit, throttle } from './kit.js'
import { type DbscReply, issued, refused } from './protocol.js'
import { type Binding, bindingOf, randomId } from './state.js'
import { parseSfString } from './structured.js'

/**
 * Handles `POST <registrationPath>` for the request's (signed-in, cookie) session.
 *
 * @example
 * const reply = await register(kit, ctx)
 */
export async function register(kit: Kit, ctx: RequestContext): Promise<DbscReply> {
  const o = kit.o
  if (ctx.input.method !== 'POST')
    return refused(405, 'ERR_METHOD_NOT_ALLOWED', 'use POST', [['allow', 'POST']])
  const record = ctx.session.record
  const epoch = record?.authenticatedAt ?? null
  if (!record || record.userId === null || epoch === null || record.meta.kind === 'token')
    return refused(401, 'ERR_UNAUTHENTICATED', 'sign in first')
  const fail = (status: number, code: string, reason: string, message: string) => {
    // A signed-in client can repeat a failing registration at will: one event a minute per reason.
    emitLimited(kit, ctx, 'dbsc_refresh_failed', 'warn', record, `registration_${reason}`)
    return refused(status, code, message)
  }
  const proof = parseProof(parseSfString(ctx.input.header('secure-session-response')))
  if (proof === null || !o.algorithms.includes(proof.alg))
    return fail(
      400,
      'ERR_BAD_REQUEST',
      'malformed_proof',
      'Secure-Session-Response is missing or malformed',
    )
  const now = o.sessions.options.clock.now()
  if (!kit.registration.check(proof.jti, record.handle, epoch, now))
    return fail(403, 'ERR_DBSC_CHALLENGE', 'bad_challenge', 'unknown or expired challenge')
  if (bindingOf(record)?.epoch === epoch)
    return fail(403, 'ERR_DBSC_CHALLENGE', 'replayed', 'this sign-in is already bound')
  const imported = importJwk(proof.jwk, proof.alg)
  if (imported === null)
    return fail(400, 'ERR_BAD_REQUEST', 'bad_key', 'jwk is missing or not an acceptable public key')

  const t = await throttle(kit, ctx)
  if ('status' in t) return t
  const valid = verifyProof(proof, imported.key)
  await t.settle(valid)
  if (!valid) return fail(401, 'ERR_DBSC_PROOF', 'bad_proof', 'the proof does not verify')

  const id = randomId()
  const next = randomId()
  const fresh: Binding = {
    id,
    alg: proof.alg,
    jwk: imported.jwk,
    epoch,
    at: now,
    c: [next, now + o.challengeTtlMs],
    p: null,
    n: null,
  }
  const written = await casBinding(kit, record, (current) => {
    if (current.handle !== record.handle || current.authenticatedAt !== epoch) return 'ended'
    return bindingOf(current)?.epoch === epoch ? 'replayed' : fresh
  })
  if (!written.ok) return fail(403, 'ERR_DBSC_CHALLENGE', written.reason, 'registration refused')
  emit(kit, ctx, 'dbsc_registered', 'info', record, proof.alg)
  return issued(o, id, boundCookie(kit, id, now), next)
}

import type { JWTHeaderParameters } from 'jose'
import type { KeyObject } from 'node:crypto'
import { requireOptional } from '../internal/optional.js'
import {
  type AccessClaims,
  checkHeader,
  checkOwnClaims,
  precheck,
  REQUIRED_CLAIMS,
  type RefusalReason,
  type VerifyPolicy,
  type VerifyResult,
} from './policy.js'

const { errors, jwtVerify } = requireOptional<typeof import('jose')>(
  'jose',
  'token mode (tessera-session/jwt)',
)

class HeaderRefused extends Error {
  constructor(readonly reason: RefusalReason) {
    super(reason)
  }
}

function reasonOf(error: unknown): RefusalReason {
  if (error instanceof HeaderRefused) return error.reason
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'issuer'
    if (error.claim === 'aud') return 'audience'
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'not_yet_valid'
    return 'claims'
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'alg'
  // jose refuses unknown `crit` extensions before asking for the key.
  if (error instanceof errors.JOSENotSupported) return 'header'
  return 'malformed'
}

/**
 * Verifies an access token with jose's `jwtVerify`, under exactly the policy of
 * {@link verifyFast}: the same string gate and header rules (run in jose's key resolver, before
 * the signature is checked), then jose's own signature, `iss`, `aud`, `exp`, `nbf` and `typ`
 * checks. It is the reference implementation: the fast path is tested to agree with it, and
 * `verifier: 'jose'` uses it in production.
 *
 * @example
 * const r = await verifyWithJose(token, { keys, issuer, audience, leewaySec: 5 }, Date.now())
 */
export async function verifyWithJose(
  token: unknown,
  policy: VerifyPolicy,
  nowMs: number,
): Promise<VerifyResult> {
  if (!precheck(token)) return { ok: false, reason: 'malformed' }
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      (header: JWTHeaderParameters): KeyObject => {
        const key = checkHeader(header as Record<string, unknown>, policy.keys)
        if (typeof key === 'string') throw new HeaderRefused(key)
        return key.verifyKey
      },
      {
        algorithms: policy.keys.algorithms,
        issuer: policy.issuer,
        audience: policy.audience,
        typ: 'at+jwt',
        clockTolerance: policy.leewaySec,
        currentDate: new Date(nowMs),
        requiredClaims: [...REQUIRED_CLAIMS],
      },
    )
    const bad = checkOwnClaims(payload as Record<string, unknown>)
    if (bad !== null) return { ok: false, reason: bad }
    return {
      ok: true,
      claims: payload as unknown as AccessClaims,
      kid: protectedHeader.kid as string,
    }
  } catch (error) {
    return { ok: false, reason: reasonOf(error) }
  }
}

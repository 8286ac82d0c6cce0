import { createHmac, timingSafeEqual, verify as cryptoVerify } from 'node:crypto'
import type { TokenKey } from './keys.js'
import {
  type AccessClaims,
  checkHeader,
  checkOwnClaims,
  isJsonObject,
  precheck,
  REQUIRED_CLAIMS,
  type RefusalReason,
  type VerifyPolicy,
  type VerifyResult,
} from './policy.js'

// Fatal on malformed UTF-8, BOM stripped: exactly what jose uses, so both read the same JSON.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')))
  } catch {
    return undefined
  }
}

function signatureValid(key: TokenKey, input: Buffer, sig: Buffer): boolean {
  try {
    switch (key.alg) {
      case 'EdDSA':
        return sig.length === 64 && cryptoVerify(null, input, key.verifyKey, sig)
      case 'ES256':
        return (
          sig.length === 64 &&
          cryptoVerify('sha256', input, { key: key.verifyKey, dsaEncoding: 'ieee-p1363' }, sig)
        )
      case 'HS256': {
        if (sig.length !== 32) return false
        const mac = createHmac('sha256', key.verifyKey).update(input).digest()
        return timingSafeEqual(mac, sig)
      }
    }
  } catch {
    return false
  }
}

/**
 * RFC 7519 time and audience rules, with jose's exact boundaries (`exp <= now - leeway` is
 * expired, `nbf > now + leeway` is not yet valid) so both verifiers agree to the second.
 */
function checkRegistered(
  c: Record<string, unknown>,
  p: VerifyPolicy,
  nowSec: number,
): RefusalReason | null {
  for (const name of REQUIRED_CLAIMS) if (!Object.hasOwn(c, name)) return 'claims'
  if (c.iss !== p.issuer) return 'issuer'
  const aud = c.aud
  if (aud !== p.audience && !(Array.isArray(aud) && aud.includes(p.audience))) return 'audience'
  if (typeof c.iat !== 'number') return 'claims'
  if (c.nbf !== undefined) {
    if (typeof c.nbf !== 'number') return 'claims'
    if (c.nbf > nowSec + p.leewaySec) return 'not_yet_valid'
  }
  if (typeof c.exp !== 'number') return 'claims'
  if (c.exp <= nowSec - p.leewaySec) return 'expired'
  return null
}

/**
 * Verifies a Tessera access token with synchronous `node:crypto`: the fast path for our own
 * tokens only (EdDSA, ES256, HS256; `typ: at+jwt`; header limited to `alg`/`kid`/`typ`). It is
 * differential-tested against jose's `jwtVerify` under the same policy (see
 * `verifyWithJose`), so the two accept and refuse the same tokens and return the same claims.
 *
 * @example
 * const r = verifyFast(token, { keys, issuer, audience, leewaySec: 5 }, Date.now())
 * if (r.ok) r.claims.sub
 */
export function verifyFast(token: unknown, policy: VerifyPolicy, nowMs: number): VerifyResult {
  const p = prepare(token, policy)
  if ('ok' in p) return p
  if (!signatureValid(p.key, p.input, p.sig)) return { ok: false, reason: 'signature' }
  return finish(p, policy, nowMs)
}

/**
 * {@link verifyFast} with the EdDSA/ES256 signature check on libuv's thread pool (callback
 * `crypto.verify`), so a server verifies on both cores as jose's WebCrypto does, without
 * WebCrypto's per-call overhead. HS256 stays synchronous (5 µs: a hop would cost more). Same
 * rules and results as {@link verifyFast}; the token mode uses it.
 *
 * @example
 * const r = await verifyFastPooled(token, policy, Date.now())
 */
export function verifyFastPooled(
  token: unknown,
  policy: VerifyPolicy,
  nowMs: number,
): VerifyResult | Promise<VerifyResult> {
  const p = prepare(token, policy)
  if ('ok' in p) return p
  const { key, input, sig } = p
  if (key.alg === 'HS256' || sig.length !== 64) return verifyFast(token, policy, nowMs)
  const alg = key.alg === 'ES256' ? 'sha256' : null
  const k =
    key.alg === 'ES256' ? { key: key.verifyKey, dsaEncoding: 'ieee-p1363' as const } : key.verifyKey
  return new Promise((resolve) => {
    try {
      cryptoVerify(alg, input, k, sig, (error, valid) => {
        resolve(error || !valid ? { ok: false, reason: 'signature' } : finish(p, policy, nowMs))
      })
    } catch {
      resolve({ ok: false, reason: 'signature' })
    }
  })
}

interface Prepared {
  token: string
  key: TokenKey
  input: Buffer
  sig: Buffer
  dot1: number
  dot2: number
}

// Everything before the signature check: shape, header rules, key selection.
function prepare(token: unknown, policy: VerifyPolicy): Prepared | VerifyResult {
  if (!precheck(token)) return { ok: false, reason: 'malformed' }
  const dot1 = token.indexOf('.')
  const dot2 = token.indexOf('.', dot1 + 1)
  const header = decodeJson(token.slice(0, dot1))
  if (!isJsonObject(header)) return { ok: false, reason: 'malformed' }
  const key = checkHeader(header, policy.keys)
  if (typeof key === 'string') return { ok: false, reason: key }
  const input = Buffer.from(token.slice(0, dot2), 'latin1')
  const sig = Buffer.from(token.slice(dot2 + 1), 'base64url')
  return { token, key, input, sig, dot1, dot2 }
}

// Everything after a valid signature: the claims.
function finish(p: Prepared, policy: VerifyPolicy, nowMs: number): VerifyResult {
  const claims = decodeJson(p.token.slice(p.dot1 + 1, p.dot2))
  if (!isJsonObject(claims)) return { ok: false, reason: 'malformed' }
  const bad = checkRegistered(claims, policy, Math.floor(nowMs / 1000)) ?? checkOwnClaims(claims)
  if (bad !== null) return { ok: false, reason: bad }
  return { ok: true, claims: claims as unknown as AccessClaims, kid: p.key.kid }
}

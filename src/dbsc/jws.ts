// The DBSC proof: a compact JWS (`typ: dbsc+jwt`) signed with ES256 or RS256 by the browser's
// session key. Parsing is for hostile input (size caps, strict shapes, never throws);
// verification is one `crypto.verify`, the only signature work either endpoint does.
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto'
import { MAX_SF_LENGTH } from './structured.js'

/** Signature algorithms DBSC defines for hardware-bound keys. */
export type DbscAlgorithm = 'ES256' | 'RS256'

/** The public members of a session key as stored on the session record. */
export type PublicJwk =
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string }

/** A parsed, not yet verified, DBSC proof. */
export interface DbscProof {
  alg: DbscAlgorithm
  /** The `jwk` header member, when present (registration); not yet checked. */
  jwk: unknown
  /** The challenge the browser signed. */
  jti: string
  /** The `authorization` claim, when present. */
  authorization: string | null
  /** `base64url(header).base64url(payload)`: what the signature covers. */
  signingInput: string
  signature: Buffer
}

const B64URL = /^[A-Za-z0-9_-]*$/
// RSA keys below 2048 bits are breakable; above 4096 only make the server's verify slower.
const RSA_MIN_BITS = 2048
const RSA_MAX_BITS = 4096

function decodeJson(part: string): Record<string, unknown> | null {
  if (!B64URL.test(part)) return null
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/**
 * Parses a compact DBSC proof. Null unless it has three base64url parts, a header with
 * `typ: "dbsc+jwt"` and `alg` ES256 or RS256 (`none` is refused: Tessera binds only to keys),
 * and a payload whose `jti` is a non-empty string.
 *
 * @example
 * const proof = parseProof(parseSfString(header('secure-session-response')))
 */
export function parseProof(compact: string | null): DbscProof | null {
  if (compact === null || compact.length > MAX_SF_LENGTH) return null
  const parts = compact.split('.')
  if (parts.length !== 3) return null
  const [h, p, s] = parts as [string, string, string]
  const header = decodeJson(h)
  const payload = decodeJson(p)
  if (!header || !payload || !B64URL.test(s) || s.length === 0) return null
  if (header.typ !== 'dbsc+jwt') return null
  if (header.alg !== 'ES256' && header.alg !== 'RS256') return null
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 512)
    return null
  const authorization = payload.authorization
  if (authorization !== undefined && typeof authorization !== 'string') return null
  return {
    alg: header.alg,
    jwk: header.jwk,
    jti: payload.jti,
    authorization: authorization ?? null,
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  }
}

function b64urlField(o: Record<string, unknown>, key: string, max: number): string | null {
  const v = o[key]
  return typeof v === 'string' && v.length > 0 && v.length <= max && B64URL.test(v) ? v : null
}

/**
 * Checks a JWK a browser sent at registration and imports it: a P-256 key for ES256, an RSA
 * key of 2048 to 4096 bits with an odd exponent of at least 3 for RS256, public members only (a private member means a broken
 * client: refused). Returns the members worth storing and the key, or null.
 *
 * @example
 * const k = importJwk(proof.jwk, proof.alg)
 */
export function importJwk(
  jwk: unknown,
  alg: DbscAlgorithm,
): { jwk: PublicJwk; key: KeyObject } | null {
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return null
  const o = jwk as Record<string, unknown>
  if ('d' in o || 'p' in o || 'q' in o) return null
  let pub: PublicJwk
  if (alg === 'ES256') {
    const x = b64urlField(o, 'x', 43)
    const y = b64urlField(o, 'y', 43)
    if (o.kty !== 'EC' || o.crv !== 'P-256' || x?.length !== 43 || y?.length !== 43) return null
    pub = { kty: 'EC', crv: 'P-256', x, y }
  } else {
    const n = b64urlField(o, 'n', 700)
    const e = b64urlField(o, 'e', 12)
    if (o.kty !== 'RSA' || n === null || e === null) return null
    pub = { kty: 'RSA', n, e }
  }
  const key = keyOf(pub)
  if (key === null) return null
  if (pub.kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return null
    // e = 1 makes the signature the padded digest itself, which anyone can write; an even e
    // is no RSA key at all.
    const e = key.asymmetricKeyDetails?.publicExponent ?? 0n
    if (e < 3n || e % 2n === 0n) return null
  }
  return { jwk: pub, key }
}

/**
 * Imports a stored public JWK (null when it no longer imports: a corrupted record).
 *
 * @example
 * const key = keyOf(binding.jwk)
 */
export function keyOf(jwk: PublicJwk): KeyObject | null {
  try {
    return createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' })
  } catch {
    return null
  }
}

/**
 * Verifies the proof's signature with `key`: one `crypto.verify`. ES256 signatures are the
 * JOSE form (r‖s, 64 bytes), RS256 ones PKCS #1 v1.5.
 *
 * @example
 * if (!verifyProof(proof, key)) return refuse('bad_proof')
 */
export function verifyProof(proof: DbscProof, key: KeyObject): boolean {
  const data = Buffer.from(proof.signingInput, 'ascii')
  try {
    if (proof.alg === 'ES256') {
      if (key.asymmetricKeyType !== 'ec' || proof.signature.length !== 64) return false
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, proof.signature)
    }
    if (key.asymmetricKeyType !== 'rsa') return false
    return verify('sha256', data, key, proof.signature)
  } catch {
    return false
  }
}

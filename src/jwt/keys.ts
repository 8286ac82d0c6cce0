import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
} from 'node:crypto'
import { configAssert, TesseraError } from '../core/errors.js'
import { assertKnownKeys, optionKeys } from '../internal/strict.js'

/** Signature algorithms Tessera issues and accepts. Nothing else is ever accepted. */
export type TokenAlg = 'EdDSA' | 'ES256' | 'HS256'

/** Shortest HS256 secret accepted: 256 bits (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32

/**
 * A signing key as configured: a KeyObject, a private JWK (object or JSON string), a PEM private
 * key, or (HS256) a base64url secret of at least 32 bytes. `alg` is inferred from the key type
 * when omitted; `kid` defaults to the RFC 7638 thumbprint of the public key.
 *
 * @example
 * const input: KeyInput = { key: process.env.JWT_PRIVATE_KEY!, kid: '2026-01' }
 */
export interface KeyInput {
  key: KeyObject | JsonWebKey | string | Uint8Array
  alg?: TokenAlg | undefined
  kid?: string | undefined
}

const KEY_INPUT_KEYS = optionKeys<KeyInput>({ key: true, alg: true, kid: true })

/** A parsed key: what signs and what verifies, pinned to one algorithm. */
export interface TokenKey {
  readonly kid: string
  readonly alg: TokenAlg
  /** Private key (EdDSA, ES256) or the secret (HS256). */
  readonly signingKey: KeyObject
  /** Public key (EdDSA, ES256) or the secret (HS256). */
  readonly verifyKey: KeyObject
  /** Public JWK for `/.well-known/jwks.json`; null for HS256 (a secret is never published). */
  readonly publicJwk: JsonWebKey | null
}

const B64URL = /^[A-Za-z0-9_-]+$/
const KID = /^[\x21-\x7e]{1,128}$/

function toKeyObject(key: KeyInput['key'], alg: TokenAlg | undefined): KeyObject {
  if (key instanceof KeyObject) return key
  if (key instanceof Uint8Array) return secretKey(Buffer.from(key))
  if (typeof key === 'string') {
    const text = key.trim()
    if (text.startsWith('-----BEGIN')) return createPrivateKey(text)
    if (text.startsWith('{')) return toKeyObject(JSON.parse(text) as JsonWebKey, alg)
    configAssert(
      alg === undefined || alg === 'HS256',
      `a ${alg} key must be a PEM or JWK private key, not a bare string`,
    )
    configAssert(
      B64URL.test(text),
      'an HS256 secret must be base64url (run `npx tessera-session keygen --alg HS256`)',
    )
    return secretKey(Buffer.from(text, 'base64url'))
  }
  const jwk = key as JsonWebKey
  if (jwk.kty === 'oct') {
    configAssert(typeof jwk.k === 'string', 'an oct JWK needs its "k" member')
    return secretKey(Buffer.from(jwk.k, 'base64url'))
  }
  configAssert(typeof jwk.d === 'string', 'a signing JWK must be a private key (with "d")')
  return createPrivateKey({ key: jwk, format: 'jwk' })
}

function secretKey(bytes: Buffer): KeyObject {
  configAssert(
    bytes.length >= MIN_SECRET_BYTES,
    `an HS256 secret must have at least ${MIN_SECRET_BYTES * 8} bits (got ${bytes.length * 8}); run \`npx tessera-session keygen --alg HS256\``,
  )
  return createSecretKey(bytes)
}

function algOf(k: KeyObject): TokenAlg {
  if (k.type === 'secret') return 'HS256'
  if (k.asymmetricKeyType === 'ed25519') return 'EdDSA'
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ES256'
  configAssert(
    false,
    `unsupported key type ${k.asymmetricKeyType ?? k.type}: use Ed25519 (EdDSA), P-256 (ES256) or an HS256 secret`,
  )
}

/** RFC 7638 thumbprint of a public OKP/EC JWK. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}

// A JWK (as `tessera-session keygen` prints it) may name its own kid and alg; explicit options win.
function jwkNaming(input: KeyInput): { kid?: string; alg?: TokenAlg } {
  let jwk: unknown = input.key
  if (typeof jwk === 'string' && jwk.trim().startsWith('{')) {
    try {
      jwk = JSON.parse(jwk)
    } catch {
      return {}
    }
  }
  if (!jwk || typeof jwk !== 'object' || !('kty' in jwk)) return {}
  const j = jwk as { kid?: unknown; alg?: unknown }
  const out: { kid?: string; alg?: TokenAlg } = {}
  const kid = input.kid ?? j.kid
  const alg = input.alg ?? j.alg
  if (typeof kid === 'string') out.kid = kid
  if (alg === 'EdDSA' || alg === 'ES256' || alg === 'HS256') out.alg = alg
  else configAssert(alg === undefined, `unsupported alg ${JSON.stringify(alg)} in a JWK`)
  return out
}

/**
 * Parses and checks one key. Throws `ERR_CONFIG` for an unsupported type, a public key where a
 * private one is needed, an `alg` that does not match the key, or a short HS256 secret.
 *
 * @example
 * const key = parseKey({ key: pem })
 * key.alg // 'EdDSA'
 */
export function parseKey(raw: KeyInput): TokenKey {
  configAssert(raw && typeof raw === 'object', 'each key must be { key, alg?, kid? }')
  // A misspelt `kid` or `alg` would otherwise be dropped: a thumbprint kid that no verifier
  // configured by name knows, or an algorithm silently inferred.
  assertKnownKeys(raw, KEY_INPUT_KEYS, 'a token key', false)
  const input = { ...raw, ...jwkNaming(raw) }
  let signingKey: KeyObject
  try {
    signingKey = toKeyObject(input.key, input.alg)
  } catch (error) {
    if (error instanceof TesseraError) throw error
    // The key material is never echoed: only what kind of thing failed to parse.
    configAssert(false, 'a token signing key could not be parsed (expected PEM, JWK or secret)')
  }
  configAssert(signingKey.type !== 'public', 'a signing key must be private, not public')
  const alg = algOf(signingKey)
  configAssert(
    input.alg === undefined || input.alg === alg,
    `key algorithm mismatch: the key is ${alg} but alg is ${input.alg}`,
  )
  if (alg === 'HS256') {
    const secret = signingKey.export()
    // A truncated, labelled hash of a 256-bit secret: names the key without revealing it.
    const kid =
      input.kid ??
      createHash('sha256').update('tessera/kid\0').update(secret).digest('base64url').slice(0, 16)
    configAssert(KID.test(kid), 'kid must be 1–128 printable ASCII characters')
    return { kid, alg, signingKey, verifyKey: signingKey, publicJwk: null }
  }
  const verifyKey = createPublicKey(signingKey)
  const jwk = verifyKey.export({ format: 'jwk' })
  const kid = input.kid ?? thumbprint(jwk)
  configAssert(KID.test(kid), 'kid must be 1–128 printable ASCII characters')
  return {
    kid,
    alg,
    signingKey,
    verifyKey,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
  }
}

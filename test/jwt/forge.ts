import { createHmac, type KeyObject, sign } from 'node:crypto'
import type { TokenKey } from '../../src/jwt/keys.js'

/** base64url of a JSON value (or of raw text, for malformed segments). */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  )
}

/** Signs `input` the way `alg` would, with any key material (for forging tests). */
export function rawSign(alg: string, key: KeyObject | Buffer, input: string): Buffer {
  const data = Buffer.from(input)
  if (alg === 'HS256') return createHmac('sha256', key).update(data).digest()
  if (alg === 'ES256')
    return sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' })
  if (alg === 'RS256') return sign('sha256', data, key as KeyObject)
  return sign(null, data, key as KeyObject)
}

/** A compact JWS over arbitrary header and payload, signed with `key` as `alg` (or unsigned). */
export function forge(
  header: Record<string, unknown>,
  payload: unknown,
  signer: { alg: string; key: KeyObject | Buffer } | null,
): string {
  const input = `${b64(header)}.${b64(payload)}`
  const sig = signer ? rawSign(signer.alg, signer.key, input).toString('base64url') : ''
  return `${input}.${sig}`
}

/** Signs with one of our keys, with its own alg and kid unless overridden. */
export function signWith(
  key: TokenKey,
  payload: unknown,
  header: Record<string, unknown> = {},
): string {
  return forge({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header }, payload, {
    alg: key.alg,
    key: key.signingKey,
  })
}

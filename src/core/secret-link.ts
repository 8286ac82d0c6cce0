import { deriveSecret } from './token.js'

const SECRET_KEY_LABEL = 'tessera/secret-key'

/** XOR of two equal-length base64url strings (32-byte hashes). */
function xorBase64url(a: string, b: string): string {
  const x = Buffer.from(a, 'base64url')
  const y = Buffer.from(b, 'base64url')
  for (let i = 0; i < x.length; i++) x[i] = x[i]! ^ (y[i] ?? 0)
  return x.toString('base64url')
}

/**
 * The key that secrets of a session (CSRF) are derived from. Normally a hash of the raw token;
 * after a periodic renewal the record carries `link` = old key XOR a hash of the new token, so
 * the key (and every CSRF token a page holds) survives the renewal. The link is useless
 * without the raw token, which no store ever sees.
 *
 * @example
 * const key = secretKeyOf(token, record.meta.secretLink)
 */
export function secretKeyOf(token: string, link: string | undefined): string {
  const own = deriveSecret(SECRET_KEY_LABEL, token)
  return link ? xorBase64url(link, own) : own
}

/**
 * The `secretLink` to store with a renewed record so that `secretKeyOf(newToken, link)` gives
 * back `key`.
 *
 * @example
 * record.meta.secretLink = linkSecretKey(secretKeyOf(oldToken, oldLink), newToken)
 */
export function linkSecretKey(key: string, newToken: string): string {
  return xorBase64url(key, deriveSecret(SECRET_KEY_LABEL, newToken))
}

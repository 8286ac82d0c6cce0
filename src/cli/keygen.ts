import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { MIN_SECRET_BYTES, parseKey, type TokenAlg } from '../jwt/keys.js'

/** Parsed arguments of `tessera-session keygen`. */
export interface KeygenArgs {
  alg: TokenAlg
  format: 'jwk' | 'pem'
  bytes: number
}

/**
 * Usage text of `tessera-session keygen`.
 *
 * @example
 * console.log(KEYGEN_USAGE)
 */
export const KEYGEN_USAGE = `usage: tessera-session keygen [--alg EdDSA|ES256|HS256] [--format jwk|pem] [--bytes N]

  EdDSA (default) and ES256 print a private key (JWK with kid and alg, or PKCS#8 PEM);
  its public half is what /.well-known/jwks.json serves.
  HS256 prints a base64url secret of N bytes (default and minimum ${MIN_SECRET_BYTES}); use the same
  command for the refresh-token secret. Keep every output secret.`

/**
 * Parses `keygen` arguments; throws an Error with a one-line message on bad input.
 *
 * @example
 * parseKeygenArgs(['--alg', 'ES256']) // { alg: 'ES256', format: 'jwk', bytes: 32 }
 */
export function parseKeygenArgs(argv: readonly string[]): KeygenArgs {
  const out: KeygenArgs = { alg: 'EdDSA', format: 'jwk', bytes: MIN_SECRET_BYTES }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
    if (value === undefined) throw new Error(`${name} needs a value`)
    if (name === '--alg') {
      if (value !== 'EdDSA' && value !== 'ES256' && value !== 'HS256')
        throw new Error(`--alg must be EdDSA, ES256 or HS256 (got ${JSON.stringify(value)})`)
      out.alg = value
    } else if (name === '--format') {
      if (value !== 'jwk' && value !== 'pem') throw new Error('--format must be jwk or pem')
      out.format = value
    } else if (name === '--bytes') {
      const n = Number(value)
      if (!Number.isInteger(n) || n < MIN_SECRET_BYTES || n > 1024)
        throw new Error(`--bytes must be an integer from ${MIN_SECRET_BYTES} to 1024`)
      out.bytes = n
    } else throw new Error(`unknown option ${JSON.stringify(name)}`)
  }
  return out
}

/**
 * Generates a key or secret and returns it as text (one JWK line, a PEM block, or a base64url
 * secret), ready for an environment variable or a secret store.
 *
 * @example
 * keygen({ alg: 'EdDSA', format: 'jwk', bytes: 32 }) // '{"kty":"OKP","crv":"Ed25519",…}'
 */
export function keygen(args: KeygenArgs): string {
  if (args.alg === 'HS256') return randomBytes(args.bytes).toString('base64url')
  const { privateKey } =
    args.alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519')
  if (args.format === 'pem')
    return String(privateKey.export({ type: 'pkcs8', format: 'pem' })).trim()
  // The kid is the RFC 7638 thumbprint of the public key, as Tessera computes it at start-up.
  const { kid } = parseKey({ key: privateKey })
  const jwk = privateKey.export({ format: 'jwk' })
  return JSON.stringify({ ...jwk, kid, alg: args.alg, use: 'sig' })
}

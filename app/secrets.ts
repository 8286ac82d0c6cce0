import { randomBytes } from 'node:crypto'
import { ConfigError } from './config.js'

/**
 * A secret every process of one deployment must share, read from `env[name]`.
 *
 * Outside production a missing secret is made at start, so `npm start` works with no set-up.
 * In production (`NODE_ENV=production`) a missing one stops the app: a secret made per
 * process differs between the processes behind one address, and each would then read the
 * others' cookies and tokens as forged (device cookies as strangers, refresh tokens refused,
 * bound cookies as a critical anomaly on every request).
 *
 * @example
 * const secret = sharedSecret(env, 'DEVICE_COOKIE_SECRET', 'or set LOGIN_THROTTLE=off')
 */
export function sharedSecret(env: NodeJS.ProcessEnv, name: string, orElse?: string): string {
  const value = env[name]
  if (value !== undefined) return value
  if (env.NODE_ENV === 'production')
    throw new ConfigError(
      `${name} is missing: in production every process must share it; run \`npx tessera-session keygen\`${orElse ? `, ${orElse}` : ''}`,
    )
  return randomBytes(32).toString('base64url')
}

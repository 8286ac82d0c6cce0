import { TesseraError } from 'tessera-session'
import { ConfigError } from './config.js'

// The library names its options; an operator knows the environment variables. First match
// wins, so the more specific option names come before the ones they contain.
const VARIABLE_OF: ReadonlyArray<[option: RegExp, variable: string]> = [
  [/renewal/, 'SESSION_RENEWAL_INTERVAL'],
  [/absoluteTimeout/i, 'SESSION_ABSOLUTE_TIMEOUT'],
  [/idleTimeout|touchInterval|accessTokenTtl/i, 'SESSION_IDLE_TIMEOUT'],
  [/maxSessionsPerUser/, 'SESSION_MAX_PER_USER'],
  [/limitPolicy/, 'SESSION_LIMIT_POLICY'],
  [/reauthWindow/, 'REAUTH_WINDOW'],
  [/refreshSecret/, 'TOKEN_REFRESH_SECRET'],
  [/revocation/, 'TOKEN_REVOCATION'],
  [/origin/i, 'ORIGIN'],
]

/**
 * Turns a library configuration error (`ERR_CONFIG`, which names an option such as
 * `idleTimeout`) into the app's one-line {@link ConfigError} naming the environment variable
 * behind that option; `fallback` names the variable when no option matches. Other errors are
 * returned unchanged.
 *
 * @example
 * try { createSessions(...) } catch (e) { throw asConfigError(e, 'STORE_URL') }
 */
export function asConfigError(error: unknown, fallback: string): unknown {
  if (!(error instanceof TesseraError) || error.code !== 'ERR_CONFIG') return error
  const why = error.message.replace(/^Tessera configuration: /, '')
  const name = VARIABLE_OF.find(([option]) => option.test(why))?.[1] ?? fallback
  return new ConfigError(`${name} is invalid: ${why}`)
}

import { TesseraError } from '../../core/errors.js'

/**
 * A script or command reply as a flat list of strings (empty for anything else).
 *
 * @example
 * const [ok, ...evicted] = asFlat(await runScript(conn, ADMIT, keys, argv))
 */
export const asFlat = (reply: unknown): string[] =>
  Array.isArray(reply) ? (reply as string[]) : []

/**
 * The error of a login refused by `reject-new` at the cap.
 *
 * @example
 * if (Number(reply[0]) === 0) throw limitError()
 */
export const limitError = (): TesseraError =>
  new TesseraError('ERR_SESSION_LIMIT', 'too many concurrent sessions for this user')

import type { Rejection } from '../pipeline/types.js'

/**
 * Session data keys (reserved `$` prefix) of the anomaly rules: the accepted IP and User-Agent
 * and a pending IP challenge. Written only when a rule fires, so ordinary requests stay
 * write-free. Shared by the cookie-session and bearer-token rules.
 *
 * @example
 * record.data[IP_KEY] ?? record.meta.ip // the address the session is accepted from
 */
export const IP_KEY = '$anomaly.ip'
/** @see IP_KEY */
export const FLAG_KEY = '$anomaly.ipFlaggedAuth'
/** @see IP_KEY */
export const UA_KEY = '$anomaly.ua'

/**
 * The refusal of a request whose IP changed under `ipChange: 'reauth'`.
 *
 * @example
 * return REAUTH
 */
export const REAUTH: Rejection = Object.freeze({
  status: 401,
  code: 'ERR_REAUTH_REQUIRED',
  message: 're-authentication required',
}) as Rejection

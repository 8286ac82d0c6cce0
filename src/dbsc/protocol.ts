// What goes on the wire: the header values and the JSON session instructions of the DBSC
// editor's draft (w3c/webappsec-dbsc, see docs/dbsc.md for the revision), and the replies of
// both endpoints as plain values any adapter can send.
import type { HeaderList } from '../pipeline/types.js'
import type { DbscAlgorithm } from './jws.js'
import type { ResolvedDbsc } from './options.js'
import { sfString } from './structured.js'

/** An endpoint's answer: send it as it is (status, headers in order, body). */
export interface DbscReply {
  status: number
  headers: HeaderList
  body: string
}

const JSON_TYPE: [string, string] = ['content-type', 'application/json; charset=utf-8']
const NO_STORE: [string, string] = ['cache-control', 'no-store']

/**
 * `Secure-Session-Registration`: the algorithms (an inner list of tokens), the registration
 * path and the challenge.
 *
 * @example
 * registrationHeader(['ES256', 'RS256'], '/dbsc/register', c) // '(ES256 RS256);path="/dbsc/register";challenge="…"'
 */
export function registrationHeader(algs: DbscAlgorithm[], path: string, challenge: string): string {
  return `(${algs.join(' ')});path=${sfString(path)};challenge=${sfString(challenge)}`
}

/**
 * `Secure-Session-Challenge`: the challenge, with the DBSC session it is for as `id`.
 *
 * @example
 * challengeHeader('c1', 'sid') // '"c1";id="sid"'
 */
export function challengeHeader(challenge: string, id: string): string {
  return `${sfString(challenge)};id=${sfString(id)}`
}

/**
 * The session instructions: identifier, refresh URL, scope (this origin; the draft's default
 * when `origin` is left out) and the one credential, whose attributes are exactly those of the
 * bound cookie's `Set-Cookie` (without Max-Age, which the draft says does not count).
 *
 * @example
 * JSON.parse(instructions(options, 'sid')).credentials[0].name // '__Host-dbsc'
 */
export function instructions(o: ResolvedDbsc, id: string): string {
  return JSON.stringify({
    session_identifier: id,
    refresh_url: o.refreshPath,
    scope: { include_site: false, scope_specification: [] },
    credentials: [{ type: 'cookie', name: o.cookie.name, attributes: o.cookieAttributes.slice(2) }],
  })
}

/**
 * 200 with new bound credentials: the bound cookie, the next challenge, the instructions.
 *
 * @example
 * return issued(o, binding.id, setCookie, nextChallenge)
 */
export function issued(o: ResolvedDbsc, id: string, setCookie: string, next: string): DbscReply {
  return {
    status: 200,
    headers: [
      NO_STORE,
      JSON_TYPE,
      ['set-cookie', setCookie],
      ['secure-session-challenge', challengeHeader(next, id)],
    ],
    body: instructions(o, id),
  }
}

/**
 * 200 `{"continue": false}`: the browser ends its DBSC session (the server-side one has ended:
 * logout, revocation, password change, expiry).
 *
 * @example
 * return ended()
 */
export function ended(): DbscReply {
  return { status: 200, headers: [NO_STORE, JSON_TYPE], body: '{"continue":false}' }
}

/**
 * 403 with a new challenge: the browser signs it and retries.
 *
 * @example
 * return challenged(next, binding.id)
 */
export function challenged(challenge: string, id: string): DbscReply {
  return {
    status: 403,
    headers: [NO_STORE, JSON_TYPE, ['secure-session-challenge', challengeHeader(challenge, id)]],
    body: errorBody('ERR_DBSC_CHALLENGE', 'sign the new challenge'),
  }
}

/**
 * A refusal with the usual JSON error body (any 4xx but 403 makes the browser give up).
 *
 * @example
 * return refused(400, 'ERR_BAD_REQUEST', 'Sec-Secure-Session-Id is missing')
 */
export function refused(
  status: number,
  code: string,
  message: string,
  extra: HeaderList = [],
): DbscReply {
  return { status, headers: [NO_STORE, JSON_TYPE, ...extra], body: errorBody(code, message) }
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } })
}

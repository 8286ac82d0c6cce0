// One identifier a user can hold (issue 15). A session has two names: its store id (the hash of
// its token, which changes on every regeneration and renewal, and which stays inside the core)
// and its public handle (stable for the session's life, safe to show, log and put in a URL).
// Confusing the two once ended all of a user's sessions instead of "all but this one", so they
// are distinct branded types, and every call that takes a handle checks it at run time too.
import type { SessionRecord } from './record.js'
import { HANDLE_LENGTH, TOKEN_LENGTH } from './token.js'

declare const handleBrand: unique symbol
declare const idBrand: unique symbol

/**
 * A session's public handle: what `sessions.list()` shows, what `revoke()` and `except` take.
 * Not a credential. Get one from `session.handle`, a summary's `handle`, or
 * {@link parseSessionHandle} for a handle that arrives in a URL or a form.
 *
 * @example
 * const handle = parseSessionHandle(req.params.handle)
 * if (handle) await sessions.revoke(handle, { owner: user.id })
 */
export type SessionHandle = string & { readonly [handleBrand]: 'SessionHandle' }

/**
 * The store key of a session (SHA-256 of its token). Core-only: it never reaches the app, so a
 * handle cannot be passed where an id is expected, nor an id where a handle is.
 */
export type SessionId = string & { readonly [idBrand]: 'SessionId' }

/**
 * What the record-level calls (`getRecord`, `updateRecord`; token mode and DBSC) take as a store
 * id: a {@link SessionId} or a plain string from a record, but never a {@link SessionHandle}
 * (a compile error), since a handle names no store key.
 */
export type SessionIdArgument = string & { readonly [handleBrand]?: never }

/** A record whose id and handle carry their brands (what the core hands to token mode). */
export type StoredRecord = SessionRecord & {
  readonly id: SessionId
  readonly handle: SessionHandle
}

/**
 * The current session as the session calls need it: a `Session` is one, and so is the
 * `{ userId, handle }` of a token (JWT) request.
 *
 * @example
 * await sessions.list(req.session)
 * await sessions.list({ userId: claims.sub, handle })
 */
export interface SessionRef {
  readonly userId: string | null
  readonly handle: SessionHandle | null
}

const HANDLE = /^[A-Za-z0-9_-]+$/

/**
 * True when `value` has the shape of a session handle (22 base64url characters).
 *
 * @example
 * if (isSessionHandle(body.handle)) await sessions.revoke(body.handle, { owner: user.id })
 */
export function isSessionHandle(value: unknown): value is SessionHandle {
  return typeof value === 'string' && value.length === HANDLE_LENGTH && HANDLE.test(value)
}

/**
 * `value` as a handle, or null when it cannot be one (untrusted input: a URL parameter, a form
 * field). Answer "not found" for null: it names no session.
 *
 * @example
 * const handle = parseSessionHandle(params.handle)
 * if (!handle) return notFound(res)
 */
export function parseSessionHandle(value: unknown): SessionHandle | null {
  return isSessionHandle(value) ? value : null
}

/**
 * Brands a record read from the store (core and token mode only).
 *
 * @example
 * const record = stored(await store.get(id))
 */
export function stored(record: SessionRecord): StoredRecord
export function stored(record: SessionRecord | null): StoredRecord | null
export function stored(record: SessionRecord | null): StoredRecord | null {
  return record as StoredRecord | null
}

/**
 * Checks a handle argument: anything but a handle throws a TypeError saying what was passed
 * instead (a session id or token, a Session, a user id) and how to fix the call, since acting
 * on it would silently do something else. Untrusted input goes through
 * {@link parseSessionHandle} first. The message never repeats the value (it may be a token).
 *
 * @example
 * assertHandle(handle, 'sessions.revoke(handle, …)')
 */
export function assertHandle(value: unknown, where: string): asserts value is SessionHandle {
  if (!isSessionHandle(value)) throw new TypeError(`${where}: ${describe(value)}`)
}

/**
 * Checks a store-id argument (`getRecord`, `updateRecord`): a handle (or anything but the
 * 43-character hash) names no store key, so it throws rather than quietly finding nothing.
 *
 * @example
 * assertStoreId(record.id, 'sessions.getRecord(id)')
 */
export function assertStoreId(value: unknown, where: string): void {
  if (typeof value === 'string' && value.length === TOKEN_LENGTH) return
  const what = isSessionHandle(value) ? 'a session handle' : `a ${typeof value}`
  throw new TypeError(
    `${where} takes a session's store id (record.id), not ${what}: to find or end a session by its handle use sessions.list(session), sessions.revoke(handle, { owner }) or sessions.admin`,
  )
}

function describe(value: unknown): string {
  const fix = 'pass a session handle (session.handle, or the handle of a sessions.list() entry)'
  if (typeof value === 'string') {
    if (value.length === TOKEN_LENGTH) return `this is a session id or token, not a handle: ${fix}`
    return `a ${value.length}-character string is not a session handle: ${fix}; for untrusted input use parseSessionHandle() and answer 404 for null`
  }
  if (value !== null && typeof value === 'object' && 'handle' in value)
    return 'got a session object: pass its handle (session.handle), or use sessions.revokeOthers(session)'
  return `got ${value === null ? 'null' : typeof value}: ${fix}`
}

// A user's sessions, as the session manager and its admin namespace list and end them. Every
// call names a session by its handle and checks its arguments at run time as well as in the
// types: a wrong identifier here once ended the very session it meant to keep (issue 15).
import type { SessionStore } from './store.js'
import { assertHandle, type SessionHandle, type SessionRef } from './handle.js'
import type { SessionRecord } from './record.js'
import { endUserSessions, type RevocationActor } from './revocation.js'
import { liveSummaries, type SessionSummary } from './summary.js'

/** What the manager lends these operations: its store behind fault handling, time, events. */
export interface SessionOps {
  readonly store: SessionStore
  call<T>(fn: () => Promise<T>): Promise<T>
  now(): number
  /** Emits `session_revoked` for `record`, naming the actor. */
  revoked(record: SessionRecord, reason: string, actor?: RevocationActor): void
}

/**
 * Checks the current-session argument of `list` and `revokeOthers`: a Session, or the
 * `{ userId, handle }` of a token request. A user id string is the old call shape: refused.
 *
 * @example
 * const current = currentRef(session, 'list')
 */
export function currentRef(value: unknown, method: 'list' | 'revokeOthers'): SessionRef {
  const where = `sessions.${method}(session)`
  if (typeof value === 'string')
    throw new TypeError(
      `${where} takes the current session, not a user id: write sessions.${method}(req.session). An admin lists or ends any user's sessions with sessions.admin.list(userId) / sessions.admin.revokeUser(userId, { actor })`,
    )
  if (value === null || typeof value !== 'object' || !('userId' in value) || !('handle' in value))
    throw new TypeError(`${where}: pass the current session (req.session)`)
  const ref = value as SessionRef
  if (ref.handle !== null) assertHandle(ref.handle, where)
  return ref
}

/**
 * Checks a user id argument (a Session passed here is the most likely slip).
 *
 * @example
 * checkUserId(userId, 'sessions.revokeUser(userId, …)')
 */
export function checkUserId(value: unknown, where: string): asserts value is string {
  if (typeof value === 'string' && value !== '') return
  const hint =
    value !== null && typeof value === 'object'
      ? '; to end the other sessions of the current user write sessions.revokeOthers(req.session)'
      : ''
  throw new TypeError(`${where}: the first argument is the user id (a non-empty string)${hint}`)
}

/**
 * The handle to keep from `except`: a handle, a Session (or `{ userId, handle }`), or nothing.
 *
 * @example
 * exceptHandle(req.session) // its handle
 */
export function exceptHandle(except: unknown): SessionHandle | null {
  if (except === undefined || except === null) return null
  if (typeof except === 'object' && 'handle' in except) {
    const handle = (except as SessionRef).handle
    if (handle !== null) assertHandle(handle, 'revokeUser(userId, { except })')
    return handle
  }
  assertHandle(except, 'revokeUser(userId, { except })')
  return except
}

/**
 * Throws unless `options` has only `known` keys, with the fix for keys of the old call shapes.
 *
 * @example
 * checkKeys(options, ['owner', 'reason', 'actor'], 'sessions.revoke(handle, options)')
 */
export function checkKeys(options: unknown, known: readonly string[], where: string): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: options must be an object, such as { ${known[0]}: … }`)
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const fix =
      key === 'userId' && known.includes('owner')
        ? 'write { owner: user.id } (the owner of the handle)'
        : `known options: ${known.join(', ')}`
    throw new TypeError(`${where}: unknown option "${key}": ${fix}`)
  }
}

/**
 * Checks the arguments of `sessions.revoke(handle, { owner })`: the old shapes (no owner, or
 * `userId` for it) would end any user's session, so they throw with the fix.
 *
 * @example
 * checkRevoke(handle, { owner: user.id })
 */
export function checkRevoke(handle: unknown, options: unknown): void {
  assertHandle(handle, 'sessions.revoke(handle, { owner })')
  const o = options as { owner?: unknown } | undefined
  if (typeof o?.owner !== 'string' || o.owner === '') {
    const renamed = o && 'userId' in o ? ' (the option is called owner now)' : ''
    throw new TypeError(
      `sessions.revoke(handle, { owner }) needs the owner's user id${renamed}: write sessions.revoke(handle, { owner: user.id }). An admin ending anyone's session: sessions.admin.revoke(handle, { actor })`,
    )
  }
  checkKeys(o, ['owner', 'reason', 'actor'], 'sessions.revoke(handle, options)')
}

/**
 * Live sessions of `userId`, newest activity first; `current` marks the caller's own.
 *
 * @example
 * await listSessions(ops, 'u1', session.handle)
 */
export async function listSessions(
  ops: SessionOps,
  userId: string,
  current: SessionHandle | null,
): Promise<SessionSummary[]> {
  const records = await ops.call(() => ops.store.listByUser(userId))
  return liveSummaries(records, ops.now(), current)
}

/**
 * Ends the session `handle`; with `owner`, only if it belongs to that user (so a handle of
 * someone else ends nothing, and answers like an unknown one: handles cannot be probed).
 *
 * @example
 * await revokeHandle(ops, handle, user.id, 'user')
 */
export async function revokeHandle(
  ops: SessionOps,
  handle: SessionHandle,
  owner: string | undefined,
  reason: string,
  actor?: RevocationActor,
): Promise<boolean> {
  const record = await ops.call(() => ops.store.destroyByHandle(handle, { userId: owner }))
  if (record) ops.revoked(record, reason, actor)
  return record !== null
}

/**
 * Ends every session of `userId` but `keep`; resolves with how many ended.
 *
 * @example
 * await revokeAllBut(ops, 'u1', session.handle, 'password_change')
 */
export function revokeAllBut(
  ops: SessionOps,
  userId: string,
  keep: SessionHandle | null,
  reason: string,
  actor?: RevocationActor,
): Promise<number> {
  return endUserSessions(ops.store, ops.call, userId, keep, (record) =>
    ops.revoked(record, reason, actor),
  )
}

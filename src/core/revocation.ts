// Ending sessions on someone's order (the user from another device, an admin), and the events
// that say so. Sessions are ended by handle, which survives renewal and re-authentication, so
// a session that rotates while a revocation runs ends all the same.
import type { SessionEvent } from './events.js'
import type { SessionRecord } from './record.js'
import type { SessionStore, StoreNotice } from './store.js'

/**
 * Who revokes a session (an admin, the user from another device): recorded on the
 * `session_revoked` events, so the audit trail names the actor, not only the victim.
 */
export interface RevocationActor {
  /** The acting user's id (reported as `reason: '<reason>:<userId>'`). */
  userId?: string | undefined
  /** The acting request's client IP. */
  ip?: string | undefined
  /** The acting request's User-Agent. */
  userAgent?: string | undefined
}

/** An event without its time (the manager stamps it). */
type Untimed = Omit<SessionEvent, 'time'>

/**
 * The `session_revoked` event for `record`, naming the actor when there is one.
 *
 * @example
 * emit(revokedEvent(record, 'admin', { userId: 'admin1', ip }))
 */
export function revokedEvent(
  record: SessionRecord,
  reason: string,
  actor?: RevocationActor,
): Untimed {
  return {
    type: 'session_revoked',
    level: 'info',
    userId: record.userId,
    handle: record.handle,
    ip: actor?.ip,
    userAgent: actor?.userAgent,
    reason: actor?.userId ? `${reason}:${actor.userId}` : reason,
  }
}

/**
 * The event for work a store did on its own, so that it is visible to operators.
 *
 * @example
 * store.observe?.((notice) => emit(noticeEvent(notice)))
 */
export function noticeEvent(notice: StoreNotice): Untimed {
  if (notice.type === 'evicted') {
    const r = notice.record
    return {
      type: 'session_evicted',
      level: r.userId === null ? 'info' : 'warn',
      userId: r.userId,
      handle: r.handle,
      reason: 'store_full',
    }
  }
  const error = notice.error
  return {
    type: 'store_background_error',
    level: 'warn',
    reason: `${notice.task}: ${error instanceof Error ? error.message : String(error)}`,
  }
}

/**
 * Ends every session of `userId` but the one with handle `keep`, calling `ended` once per
 * session; resolves with how many ended. `call` wraps each store call (fault handling).
 *
 * Two passes: the second revisits every handle of the first, to catch a successor written
 * (under that handle) between the listing and the deletion of its predecessor, on stores where
 * those two steps are not one atomic operation.
 *
 * @example
 * const n = await endUserSessions(store, (fn) => fn(), 'u1', null, (r) => emit(revokedEvent(r, 'admin')))
 */
export async function endUserSessions(
  store: SessionStore,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
  userId: string,
  keep: string | null,
  ended: (record: SessionRecord) => void,
): Promise<number> {
  const done = new Set<string>()
  const targeted = new Set<string>()
  for (let pass = 0; pass < 2; pass++) {
    const records = await call(() => store.listByUser(userId))
    const handles = new Set(
      records.map((r) => r.handle).filter((h) => h !== keep && (pass === 0 || targeted.has(h))),
    )
    for (const handle of handles) {
      targeted.add(handle)
      const record = await call(() => store.destroyByHandle(handle, { userId }))
      if (record && !done.has(handle)) {
        done.add(handle)
        ended(record)
      }
    }
  }
  return done.size
}

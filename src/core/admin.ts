// The admin namespace: acting on any user's sessions without being their owner. Kept apart
// from the user calls so that "end a session of someone else" is always a visible, deliberate
// call, and every such act names its actor on the audit trail.
import type { SessionHandle, SessionRef } from './handle.js'
import { assertHandle } from './handle.js'
import type { RevocationActor } from './revocation.js'
import type { SessionSummary } from './summary.js'
import {
  checkKeys,
  checkUserId,
  exceptHandle,
  listSessions,
  revokeAllBut,
  revokeHandle,
  type SessionOps,
} from './user-sessions.js'

/** Options of {@link SessionAdmin.revoke}. */
export interface AdminRevokeOptions {
  /** Who orders it (required): recorded on the `session_revoked` event as `reason:<userId>`. */
  actor: RevocationActor & { userId: string }
  /** Reason on the event (default `admin`). */
  reason?: string | undefined
}

/** Options of {@link SessionAdmin.revokeUser}. */
export interface AdminRevokeUserOptions extends AdminRevokeOptions {
  /** A session to keep: a handle, or a session (the admin's own, when ending their own). */
  except?: SessionHandle | SessionRef | null | undefined
}

function checkActor(options: unknown, where: string): asserts options is AdminRevokeOptions {
  const actor = (options as { actor?: { userId?: unknown } } | undefined)?.actor
  if (typeof actor?.userId !== 'string' || actor.userId === '')
    throw new TypeError(
      `${where}: name who acts, for the audit log: { actor: { userId: admin.id, ip, userAgent } }`,
    )
}

/**
 * Session calls for administrators (`sessions.admin`): list any user's sessions, and end any
 * session or all of a user's sessions. Each revocation requires the acting admin, which the
 * `session_revoked` event records.
 *
 * @example
 * const rows = await sessions.admin.list(userId)
 * await sessions.admin.revoke(rows[0].handle, { actor: { userId: admin.id, ip } })
 */
export class SessionAdmin {
  readonly #ops: SessionOps

  /** @internal Use `sessions.admin`. */
  constructor(ops: SessionOps) {
    this.#ops = ops
  }

  /**
   * Live sessions of any user, newest activity first. `current` marks the admin's own session
   * when the admin looks at their own list.
   *
   * @example
   * await sessions.admin.list(target.id, { current: req.session })
   */
  list(userId: string, options: { current?: SessionRef | null } = {}): Promise<SessionSummary[]> {
    checkUserId(userId, 'sessions.admin.list(userId)')
    checkKeys(options, ['current'], 'sessions.admin.list(userId, options)')
    return listSessions(this.#ops, userId, options.current?.handle ?? null)
  }

  /**
   * Ends any user's session by handle; true when one ended.
   *
   * @example
   * await sessions.admin.revoke(handle, { actor: { userId: admin.id, ip: req.ip } })
   */
  revoke(handle: SessionHandle, options: AdminRevokeOptions): Promise<boolean> {
    assertHandle(handle, 'sessions.admin.revoke(handle, …)')
    checkActor(options, 'sessions.admin.revoke(handle, { actor })')
    checkKeys(options, ['actor', 'reason'], 'sessions.admin.revoke(handle, options)')
    return revokeHandle(this.#ops, handle, undefined, options.reason ?? 'admin', options.actor)
  }

  /**
   * Ends every session of a user (but `except`); resolves with how many ended.
   *
   * @example
   * await sessions.admin.revokeUser(target.id, { actor: { userId: admin.id } })
   */
  revokeUser(userId: string, options: AdminRevokeUserOptions): Promise<number> {
    checkUserId(userId, 'sessions.admin.revokeUser(userId, …)')
    checkActor(options, 'sessions.admin.revokeUser(userId, { actor })')
    checkKeys(options, ['actor', 'reason', 'except'], 'sessions.admin.revokeUser(userId, options)')
    const keep = exceptHandle(options.except)
    return revokeAllBut(this.#ops, userId, keep, options.reason ?? 'admin', options.actor)
  }
}

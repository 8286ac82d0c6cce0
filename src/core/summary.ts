import type { SessionHandle } from './handle.js'
import type { SessionRecord } from './record.js'

/** A session as shown in a user's session list. */
export interface SessionSummary {
  /** The session's public handle: what `revoke` and `except` take. */
  handle: SessionHandle
  userId: string | null
  createdAt: number
  lastSeenAt: number
  idleExpiresAt: number
  absoluteExpiresAt: number
  ip?: string | undefined
  userAgent?: string | undefined
  device?: SessionRecord['meta']['device']
  authMethod?: string | undefined
  kind?: 'cookie' | 'token' | undefined
  /** True for the session making the request. */
  current: boolean
}

/**
 * The live records among `records` (neither deadline passed at `now`) as session-list rows,
 * most recently active first; `current` (a handle) marks the caller's own.
 *
 * @example
 * liveSummaries(await store.listByUser('u1'), Date.now(), session.handle)
 */
export function liveSummaries(
  records: readonly SessionRecord[],
  now: number,
  current: SessionHandle | null,
): SessionSummary[] {
  return records
    .filter((r) => now < r.idleExpiresAt && now < r.absoluteExpiresAt)
    .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
    .map((r) => ({
      handle: r.handle as SessionHandle,
      userId: r.userId,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      idleExpiresAt: r.idleExpiresAt,
      absoluteExpiresAt: r.absoluteExpiresAt,
      ip: r.meta.ip,
      userAgent: r.meta.userAgent,
      device: r.meta.device,
      authMethod: r.meta.authMethod,
      kind: r.meta.kind,
      current: r.handle === current,
    }))
}

// The records a session's life writes, as pure functions of what came before: the first one
// (a pre-session), the one a regeneration writes, the one a periodic renewal writes, and the
// patch of a plain request. Session (session.ts) decides when; this file decides what.
import type { ChangeSet } from './changes.js'
import type { ResolvedOptions } from './options.js'
import { freshRecord, type SessionMeta, type SessionRecord } from './record.js'
import { linkSecretKey } from './secret-link.js'
import type { RegenerateOptions, RequestInfo } from './session-host.js'
import type { SessionPatch } from './store.js'
import { generateHandle, hashToken } from './token.js'

/**
 * The first record of a session (anonymous: a pre-session before login, or data set before
 * any login), stored under `token`.
 *
 * @example
 * const record = anonymousRecord(generateToken(), Date.now(), options)
 */
export function anonymousRecord(token: string, now: number, o: ResolvedOptions): SessionRecord {
  return freshRecord(now, o.idleMs, {
    id: hashToken(token),
    handle: generateHandle(),
    userId: null,
    createdAt: now,
    absoluteExpiresAt: now + o.absoluteMs,
    data: {},
    authenticatedAt: null,
    meta: {},
  })
}

/** What {@link regeneratedRecord} needs to know about the session being regenerated. */
export interface Predecessor {
  /** The live record, or null for an empty session or a pre-session not yet saved. */
  old: SessionRecord | null
  /** The data the new record starts with (pending changes already applied). */
  data: SessionRecord['data']
  request: RequestInfo
}

/**
 * The record a regeneration writes under `token`, and whether it starts a new login (a
 * different user, or no session before): a new login gets a new handle, a new absolute
 * deadline and the request's IP, User-Agent and device; otherwise those carry over. Every
 * regeneration starts a new secret epoch (no `secretLink`).
 *
 * @example
 * const { record, newLogin } = regeneratedRecord({ old, data, request }, options, token, now, o)
 */
export function regeneratedRecord(
  { old, data, request }: Predecessor,
  options: RegenerateOptions,
  token: string,
  now: number,
  o: ResolvedOptions,
): { record: SessionRecord; newLogin: boolean } {
  const oldUser = old?.userId ?? null
  const userId = options.userId === undefined ? oldUser : options.userId
  const newLogin = userId !== oldUser || !old
  const meta: SessionMeta = { ...(newLogin ? {} : old?.meta), ...options.meta }
  // Secrets of the old token must die with it.
  delete meta.secretLink
  delete meta.prevSecretLink
  if (newLogin) {
    if (request.ip) meta.ip = request.ip
    if (request.userAgent) {
      meta.userAgent = request.userAgent
      if (o.deviceParser) meta.device = o.deviceParser(request.userAgent)
    }
  }
  const record = freshRecord(now, o.idleMs, {
    id: hashToken(token),
    handle: newLogin ? generateHandle() : old.handle,
    userId,
    createdAt: newLogin ? now : old.createdAt,
    absoluteExpiresAt: newLogin ? now + o.absoluteMs : old.absoluteExpiresAt,
    data,
    authenticatedAt: options.authenticated ? now : (old?.authenticatedAt ?? null),
    meta,
  })
  return { record, newLogin }
}

/**
 * The record a periodic renewal writes under `token`: same session, new id, new idle deadline,
 * and a `secretLink` so that secrets derived from `secretKey` (CSRF) survive the renewal.
 *
 * @example
 * const next = renewedRecord(old, token, secretKey, now, options.idleMs)
 */
export function renewedRecord(
  old: SessionRecord,
  token: string,
  secretKey: string,
  now: number,
  idleMs: number,
): SessionRecord {
  return {
    ...old,
    // The previous link lets a request still carrying the old cookie (through the grace alias)
    // find the same key from the old token: `secretKeyOf(oldToken, prevSecretLink)`.
    meta: {
      ...old.meta,
      secretLink: linkSecretKey(secretKey, token),
      prevSecretLink: old.meta.secretLink ?? '',
    },
    id: hashToken(token),
    version: 1,
    renewedAt: now,
    lastSeenAt: now,
    idleExpiresAt: Math.min(now + idleMs, old.absoluteExpiresAt),
  }
}

/**
 * The one `update` of a request that changed keys or is due a touch: the per-key changes, and
 * the new last-seen instant and idle deadline (never past the absolute one).
 *
 * @example
 * await store.update(record.id, changesPatch(changes, record, now, options.idleMs))
 */
export function changesPatch(
  changes: ChangeSet,
  rec: SessionRecord,
  now: number,
  idleMs: number,
): SessionPatch {
  const patch: SessionPatch = changes.toPatch()
  patch.lastSeenAt = now
  patch.idleExpiresAt = Math.min(now + idleMs, rec.absoluteExpiresAt)
  return patch
}

/**
 * The data a regeneration writes: the old data with this request's changes (none with
 * `keepData: false`). When another user signs in over a signed-in session, nothing of the
 * previous user's data (a role, a cart) may leak into theirs unless the app names it in `carry`.
 *
 * @example
 * const data = regeneratedData(changes, old, { userId: 'bob', carry: ['theme'] })
 */
export function regeneratedData(
  changes: ChangeSet,
  base: SessionRecord | null,
  options: RegenerateOptions,
): Record<string, unknown> {
  const merged = changes.apply(options.keepData === false || !base ? {} : base.data)
  const switching =
    base !== null &&
    base.userId !== null &&
    options.userId !== undefined &&
    options.userId !== base.userId
  if (!switching) return merged
  const kept: Record<string, unknown> = {}
  for (const key of options.carry ?? []) if (Object.hasOwn(merged, key)) kept[key] = merged[key]
  return kept
}

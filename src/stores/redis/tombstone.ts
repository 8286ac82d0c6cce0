// Tombstones make expiry visible on Redis: the session key vanishes at its idle deadline, but a
// small tombstone (no data, no metadata) lives until the absolute deadline, so a late use of the
// token reads as "expired" (session_expired, session_use_after_expire) as on the SQL stores.
import type { SessionRecord } from '../../core/record.js'

const isInstant = (v: unknown): v is number => typeof v === 'number'

/**
 * The tombstone of a signed-in session: its six instants and handle as in `$` (no metadata,
 * no data), a newline, then the raw user id. Written with the session, PXAT its absolute
 * deadline, so that after the session key expires its token still reads as expired. Anonymous
 * sessions get none (''): a flood of pre-sessions must not leave state behind for hours.
 *
 * @example
 * encodeTombstone(record) // '[1700000000000,…,"Kw7NYcd54en0Iwm10QAvKg"]\nalice'
 */
export function encodeTombstone(r: SessionRecord): string {
  if (r.userId === null) return ''
  const head = JSON.stringify([
    r.createdAt,
    r.lastSeenAt,
    r.renewedAt,
    r.authenticatedAt,
    r.idleExpiresAt,
    r.absoluteExpiresAt,
    r.handle,
  ])
  return `${head}\n${r.userId}`
}

/**
 * The record an expired session's tombstone stands for: its owner, handle and instants, empty
 * data and metadata, version 0. Its idle deadline reads as its last activity, an instant every
 * app server's clock has passed, so that clock skew between the app and Redis can never make
 * it look live. Null when the value is not one {@link encodeTombstone} wrote.
 *
 * @example
 * decodeTombstone(id, await client.get(`tessera:t:{${id}}`))?.idleExpiresAt // the last activity
 */
export function decodeTombstone(id: string, value: unknown): SessionRecord | null {
  if (typeof value !== 'string') return null
  const cut = value.indexOf('\n')
  if (cut < 0) return null
  let h: unknown
  try {
    h = JSON.parse(value.slice(0, cut))
  } catch {
    return null
  }
  if (
    !Array.isArray(h) ||
    h.length !== 7 ||
    !h.slice(0, 6).every((v, i) => isInstant(v) || (i === 3 && v === null)) ||
    typeof h[6] !== 'string'
  )
    return null
  return {
    id,
    handle: h[6],
    userId: value.slice(cut + 1),
    data: {},
    createdAt: h[0],
    lastSeenAt: h[1],
    renewedAt: h[2],
    authenticatedAt: h[3],
    idleExpiresAt: Math.min(h[1], h[4]),
    absoluteExpiresAt: h[5],
    meta: {},
    version: 0,
  }
}

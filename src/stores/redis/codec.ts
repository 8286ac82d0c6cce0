import type { SessionMeta, SessionRecord } from '../../core/record.js'
import { setOwn } from '../../core/own.js'
import type { SessionPatch } from '../../core/store.js'

// One Redis hash per session, one field per data key (`d:<key>`) and per metadata key
// (`m:<name>`), so that concurrent updates of different keys are native per-field writes.
// Fixed fields start with `$`, which neither prefix can produce.
export const FIELDS = {
  handle: '$h',
  user: '$u',
  created: '$c',
  seen: '$l',
  renewed: '$r',
  auth: '$a',
  idle: '$i',
  absolute: '$x',
} as const

/**
 * Key names of the store. Session ids and handles are base64url (no braces); user ids are
 * arbitrary text, so they enter a hash tag hex-encoded (braces in a user id would otherwise
 * move the tag and split one user's keys over two slots), after a `u` so it is never empty.
 *
 * @example
 * const k = redisKeys('tessera:')
 * k.session(id) // 'tessera:s:{<id>}'
 */
export function redisKeys(prefix: string) {
  return {
    /** Session hash; its alias shares the `{id}` tag, so `get` is one slot. */
    session: (id: string) => `${prefix}s:{${id}}`,
    alias: (id: string) => `${prefix}a:{${id}}`,
    /** Handle → user id, for revocation by handle without knowing the user. */
    handle: (handle: string) => `${prefix}h:{${handle}}`,
    /** A user's index: member id scored by last activity, and by deadline. One slot. */
    user: (userId: string) => {
      // The `u` keeps the tag non-empty (an empty `{}` tag hashes the whole key).
      const tag = `{u${Buffer.from(userId, 'utf8').toString('hex')}}`
      return { activity: `${prefix}u:${tag}`, deadlines: `${prefix}x:${tag}` }
    },
  }
}

/** Key names as built by {@link redisKeys}. */
export type RedisKeys = ReturnType<typeof redisKeys>

/**
 * The hash fields of a record, as a flat `field, value, …` list for HSET.
 *
 * @example
 * client.sendCommand(['HSET', key, ...encodeRecord(record)])
 */
export function encodeRecord(r: SessionRecord): string[] {
  const out = [
    FIELDS.handle,
    r.handle,
    FIELDS.created,
    String(r.createdAt),
    FIELDS.seen,
    String(r.lastSeenAt),
    FIELDS.renewed,
    String(r.renewedAt),
    FIELDS.idle,
    String(r.idleExpiresAt),
    FIELDS.absolute,
    String(r.absoluteExpiresAt),
  ]
  if (r.userId !== null) out.push(FIELDS.user, r.userId)
  if (r.authenticatedAt !== null) out.push(FIELDS.auth, String(r.authenticatedAt))
  for (const [k, v] of Object.entries(r.meta)) if (v !== undefined) out.push(`m:${k}`, json(v))
  for (const [k, v] of Object.entries(r.data)) if (v !== undefined) out.push(`d:${k}`, json(v))
  return out
}

function json(v: unknown): string {
  return JSON.stringify(v)
}

/**
 * A record from HGETALL's flat reply; null for an empty reply (no such session).
 *
 * @example
 * decodeRecord(id, await client.sendCommand(['HGETALL', key]))
 */
export function decodeRecord(id: string, flat: readonly string[]): SessionRecord | null {
  if (flat.length === 0) return null
  const data: Record<string, unknown> = {}
  const meta: Record<string, unknown> = {}
  const fixed: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!
    const value = flat[i + 1]!
    if (name.startsWith('d:')) setOwn(data, name.slice(2), JSON.parse(value))
    else if (name.startsWith('m:')) setOwn(meta, name.slice(2), JSON.parse(value))
    else fixed[name] = value
  }
  const num = (f: string) => Number(fixed[f] ?? 0)
  return {
    id,
    handle: fixed[FIELDS.handle] ?? '',
    userId: fixed[FIELDS.user] ?? null,
    data,
    createdAt: num(FIELDS.created),
    lastSeenAt: num(FIELDS.seen),
    renewedAt: num(FIELDS.renewed),
    authenticatedAt: fixed[FIELDS.auth] === undefined ? null : num(FIELDS.auth),
    idleExpiresAt: num(FIELDS.idle),
    absoluteExpiresAt: num(FIELDS.absolute),
    meta: meta as SessionMeta,
  }
}

/**
 * A patch as the UPDATE scripts read it: `nset, field, value, …, nunset, field, …, idle`.
 *
 * @example
 * encodePatch({ set: { theme: 'dark' } }) // ['1', 'd:theme', '"dark"', '0', '']
 */
export function encodePatch(p: SessionPatch): string[] {
  const set: string[] = []
  const unset: string[] = []
  if (p.set) {
    for (const [k, v] of Object.entries(p.set)) {
      if (v === undefined) unset.push(`d:${k}`)
      else set.push(`d:${k}`, json(v))
    }
  }
  if (p.unset) for (const k of p.unset) unset.push(`d:${k}`)
  if (p.lastSeenAt !== undefined) set.push(FIELDS.seen, String(p.lastSeenAt))
  if (p.idleExpiresAt !== undefined) set.push(FIELDS.idle, String(p.idleExpiresAt))
  if (p.authenticatedAt !== undefined) set.push(FIELDS.auth, String(p.authenticatedAt))
  if (p.meta) {
    for (const [k, v] of Object.entries(p.meta)) {
      if (v === undefined) unset.push(`m:${k}`)
      else set.push(`m:${k}`, json(v))
    }
  }
  const idle = p.idleExpiresAt === undefined ? '' : String(p.idleExpiresAt)
  return [String(set.length / 2), ...set, String(unset.length), ...unset, idle]
}

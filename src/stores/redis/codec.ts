import type { SessionRecord } from '../../core/record.js'
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
  // The hot path of every authenticated request: one pass, a fixed-shape result, and plain
  // assignment (setOwn only for the one key where assignment would change a prototype).
  const r: SessionRecord = {
    id,
    handle: '',
    userId: null,
    data: {},
    createdAt: 0,
    lastSeenAt: 0,
    renewedAt: 0,
    authenticatedAt: null,
    idleExpiresAt: 0,
    absoluteExpiresAt: 0,
    meta: {},
  }
  const meta = r.meta as Record<string, unknown>
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!
    const value = flat[i + 1]!
    const c0 = name.charCodeAt(0)
    if (c0 === 0x24 /* $ */) {
      switch (name) {
        case FIELDS.handle:
          r.handle = value
          break
        case FIELDS.user:
          r.userId = value
          break
        case FIELDS.created:
          r.createdAt = Number(value)
          break
        case FIELDS.seen:
          r.lastSeenAt = Number(value)
          break
        case FIELDS.renewed:
          r.renewedAt = Number(value)
          break
        case FIELDS.auth:
          r.authenticatedAt = Number(value)
          break
        case FIELDS.idle:
          r.idleExpiresAt = Number(value)
          break
        case FIELDS.absolute:
          r.absoluteExpiresAt = Number(value)
          break
      }
    } else if (name.charCodeAt(1) === 0x3a /* : */) {
      const target = c0 === 0x64 /* d */ ? r.data : c0 === 0x6d /* m */ ? meta : null
      if (!target) continue
      const key = name.slice(2)
      if (key === '__proto__') setOwn(target, key, JSON.parse(value))
      else target[key] = JSON.parse(value)
    }
  }
  return r
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

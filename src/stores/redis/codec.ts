import type { SessionMeta, SessionRecord } from '../../core/record.js'
import { setOwn } from '../../internal/own.js'
import type { SessionPatch } from '../../core/store.js'

// One Redis hash per session. Every authenticated request reads it whole (HGETALL), and the
// client pays per field (a buffer slice and a string each), so everything that is not per-key
// data lives in ONE field:
//   `$`    JSON array [createdAt, lastSeenAt, renewedAt, authenticatedAt|null, idleExpiresAt,
//          absoluteExpiresAt, "handle", {meta}]. The six instants come first and the handle is
//          base64url, so the Lua scripts edit the instants and find the handle and the meta
//          object with plain string operations (no JSON library, nothing re-encoded).
//   `$u`   the user id, raw (absent for an anonymous session). The scripts need it to find the
//          user's index, and user ids are arbitrary text.
//   `$v`   the record's version, a decimal integer: its own field so that every update adds one
//          with HINCRBY in the same script, without re-encoding `$`. A hash without it (written
//          before versions existed) reads as version 0, which is what HINCRBY counts up from.
//   `$c`   while a Cluster replacement is in flight: `<new id> <until ms>`, the claim that lets
//          only one replacement of this record proceed (see store.ts). Never decoded.
//   `d:<key>`  one field per data key (JSON), so concurrent updates of different keys are
//          native per-field writes.
export const FIELDS = { header: '$', user: '$u', version: '$v' } as const

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
    /** Tombstone of a signed-in session (see {@link encodeTombstone}); same `{id}` tag. */
    tombstone: (id: string) => `${prefix}t:{${id}}`,
    /** Handle → user id, for revocation by handle without knowing the user. */
    handle: (handle: string) => `${prefix}h:{${handle}}`,
    /**
     * A user's index, one slot: member ids scored by last activity, and by deadline, and (on
     * a Cluster) the links of pending successors to the ids they replace.
     */
    user: (userId: string) => {
      // The `u` keeps the tag non-empty (an empty `{}` tag hashes the whole key).
      const tag = `{u${Buffer.from(userId, 'utf8').toString('hex')}}`
      return {
        activity: `${prefix}u:${tag}`,
        deadlines: `${prefix}x:${tag}`,
        links: `${prefix}l:${tag}`,
      }
    },
  }
}

/** Key names as built by {@link redisKeys}. */
export type RedisKeys = ReturnType<typeof redisKeys>

/**
 * The `$` field of a record (see the layout above).
 *
 * @example
 * encodeHeader(record) // '[1700000000000,…,"Kw7NYcd54en0Iwm10QAvKg",{"ip":"192.0.2.1"}]'
 */
export function encodeHeader(r: SessionRecord): string {
  return JSON.stringify([
    r.createdAt,
    r.lastSeenAt,
    r.renewedAt,
    r.authenticatedAt,
    r.idleExpiresAt,
    r.absoluteExpiresAt,
    r.handle,
    r.meta,
  ])
}

/**
 * The hash fields of a record, as a flat `field, value, …` list for HSET.
 *
 * @example
 * client.sendCommand(['HSET', key, ...encodeRecord(record)])
 */
export function encodeRecord(r: SessionRecord): string[] {
  const out = [FIELDS.header, encodeHeader(r), FIELDS.version, String(r.version)]
  if (r.userId !== null) out.push(FIELDS.user, r.userId)
  for (const [k, v] of Object.entries(r.data)) if (v !== undefined) out.push(`d:${k}`, json(v))
  return out
}

function json(v: unknown): string {
  return JSON.stringify(v)
}

const isInstant = (v: unknown): v is number => typeof v === 'number'
const VERSION = /^-?[0-9]{1,15}$/

/**
 * A record from HGETALL's flat reply; null for an empty reply (no such session) and for a
 * hash that is not one this codec wrote (no or malformed `$`, a data field that is not JSON):
 * a corrupt session is no session, never an exception.
 *
 * @example
 * decodeRecord(id, await client.sendCommand(['HGETALL', key]))
 */
export function decodeRecord(id: string, flat: readonly string[]): SessionRecord | null {
  if (flat.length === 0) return null
  // The hot path of every authenticated request: one pass, a fixed-shape result.
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
    version: 0,
  }
  let header = false
  try {
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i]!
      const value = flat[i + 1]!
      if (name.charCodeAt(0) === 0x64 /* d */ && name.charCodeAt(1) === 0x3a /* : */) {
        const key = name.slice(2)
        // Plain assignment would turn a `__proto__` key into a prototype change.
        if (key === '__proto__') setOwn(r.data, key, JSON.parse(value))
        else r.data[key] = JSON.parse(value)
      } else if (name === FIELDS.header) header = readHeader(r, value)
      else if (name === FIELDS.user) r.userId = value
      else if (name === FIELDS.version) {
        // Exactly what HINCRBY accepts: anything else is a hash this codec did not write.
        if (!VERSION.test(value)) return null
        r.version = Number(value)
      }
    }
  } catch {
    return null
  }
  return header ? r : null
}

/** Fills `r` from a `$` field; false when the field is not one {@link encodeHeader} wrote. */
function readHeader(r: SessionRecord, value: string): boolean {
  const h: unknown = JSON.parse(value)
  if (!Array.isArray(h) || h.length !== 8) return false
  const auth = h[3]
  const meta = h[7]
  if (
    !isInstant(h[0]) ||
    !isInstant(h[1]) ||
    !isInstant(h[2]) ||
    (auth !== null && !isInstant(auth)) ||
    !isInstant(h[4]) ||
    !isInstant(h[5]) ||
    typeof h[6] !== 'string' ||
    typeof meta !== 'object' ||
    meta === null ||
    Array.isArray(meta)
  )
    return false
  r.createdAt = h[0]
  r.lastSeenAt = h[1]
  r.renewedAt = h[2]
  r.authenticatedAt = auth
  r.idleExpiresAt = h[4]
  r.absoluteExpiresAt = h[5]
  r.handle = h[6]
  // JSON.parse makes a `__proto__` key an own property, never a prototype.
  r.meta = meta as SessionMeta
  return true
}

/**
 * The handle in a `$` field, found the way the Lua scripts find it (between the first two
 * quotes); null when the field is missing or malformed.
 *
 * @example
 * handleOf(await client.sendCommand(['HGET', key, '$']))
 */
export function handleOf(header: unknown): string | null {
  if (typeof header !== 'string') return null
  const q = header.indexOf('"')
  const end = q < 0 ? -1 : header.indexOf('"', q + 1)
  return end < 0 ? null : header.slice(q + 1, end)
}

/**
 * The meta object's JSON text in a `$` field, cut exactly as the Lua scripts cut it (after
 * the handle's closing quote and comma, before the final `]`), so the UPDATE scripts can
 * compare it byte for byte; null when the field is missing or malformed.
 *
 * @example
 * metaTextOf('[1,2,3,null,4,5,"h",{"ip":"192.0.2.1"}]') // '{"ip":"192.0.2.1"}'
 */
export function metaTextOf(header: unknown): string | null {
  if (typeof header !== 'string' || !header.endsWith(']')) return null
  const q = header.indexOf('"')
  const end = q < 0 ? -1 : header.indexOf('"', q + 1)
  return end < 0 ? null : header.slice(end + 2, -1)
}

/**
 * The metadata JSON after merging `patch` into the stored meta text (an `undefined` value
 * removes the key, as a spread would); null when the stored text is not a JSON object.
 *
 * @example
 * mergeMeta('{"ip":"192.0.2.1"}', { userAgent: 'curl' }) // '{"ip":"192.0.2.1","userAgent":"curl"}'
 */
export function mergeMeta(stored: string, patch: Partial<SessionMeta>): string | null {
  let meta: unknown
  try {
    meta = JSON.parse(stored)
  } catch {
    return null
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return null
  const out = meta as Record<string, unknown>
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k]
    else if (k === '__proto__') setOwn(out, k, v)
    else out[k] = v
  }
  return JSON.stringify(out)
}

/**
 * A patch as the UPDATE scripts read it:
 * `nset, field, value, …, nunset, field, …, seen, idle, auth, meta before, meta after,
 * expected version`, where '' means "unchanged" (or, for the version, "any"). The meta pair is
 * a compare-and-set on the meta text (see {@link metaTextOf}); the caller fills it in, as the
 * merge needs the stored meta.
 *
 * @example
 * encodePatch({ set: { theme: 'dark' } }) // ['1', 'd:theme', '"dark"', '0', '', '', '', '', '', '']
 */
export function encodePatch(p: SessionPatch, metaBefore = '', metaAfter = ''): string[] {
  const set: string[] = []
  const unset: string[] = []
  if (p.set) {
    for (const [k, v] of Object.entries(p.set)) {
      if (v === undefined) unset.push(`d:${k}`)
      else set.push(`d:${k}`, json(v))
    }
  }
  if (p.unset) for (const k of p.unset) unset.push(`d:${k}`)
  return [
    String(set.length / 2),
    ...set,
    String(unset.length),
    ...unset,
    p.lastSeenAt === undefined ? '' : json(p.lastSeenAt),
    p.idleExpiresAt === undefined ? '' : json(p.idleExpiresAt),
    p.authenticatedAt === undefined ? '' : json(p.authenticatedAt),
    metaBefore,
    metaAfter,
    p.expectVersion === undefined ? '' : String(p.expectVersion),
  ]
}

/** True when a patch changes metadata (and so needs the compare-and-set). */
export function patchesMeta(p: SessionPatch): boolean {
  return p.meta !== undefined && Object.keys(p.meta).length > 0
}

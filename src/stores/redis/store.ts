import { storeUnavailable, TesseraError } from '../../core/errors.js'
import { expiresAt, type SessionRecord } from '../../core/record.js'
import type {
  CreateOptions,
  CreateResult,
  SessionPatch,
  SessionStore,
  StoreNotice,
} from '../../core/store.js'
import {
  decodeRecord,
  encodePatch,
  encodeRecord,
  FIELDS,
  handleOf,
  mergeMeta,
  metaTextOf,
  patchesMeta,
  redisKeys,
} from './codec.js'
import { decodeTombstone, encodeTombstone } from './tombstone.js'
import { clusterCreate } from './cluster-create.js'
import { type RedisConn, runScript } from './conn.js'
import { asFlat, limitError } from './replies.js'
import { CREATE_ALL, DROP, MISS, TAKE, TOUCH, UPDATE, UPDATE_ALL } from './lua.js'

// Ids and handles are base64url; anything else cannot be a key we wrote (and must not be
// allowed to move a hash tag), so it reads as "no session" without a round trip.
const SAFE = /^[A-Za-z0-9_-]{1,128}$/

// Compare-and-set rounds for a meta update before giving up (only other meta changes race it).
const META_ATTEMPTS = 16

// Rounds of find-and-delete in destroyByHandle (each round after the first is a lost race).
const HANDLE_ROUNDS = 8

/**
 * The Redis session store over a connection of either topology. See `index.ts` for the key
 * layout and the atomicity each topology gives.
 *
 * @example
 * const store = createRedisStore(standaloneConn({ url }), 'tessera:')
 */
export function createRedisStore(conn: RedisConn, prefix: string): SessionStore {
  const k = redisKeys(prefix)
  let notify: (notice: StoreNotice) => void = () => {}
  /** Housekeeping that failed while the caller's own operation succeeded. */
  const report = (task: string, error: unknown): void =>
    notify({ type: 'background_error', task, error })

  /** Deletes one session key and its tombstone. */
  const take = async (id: string): Promise<SessionRecord | null> =>
    decodeRecord(id, asFlat(await runScript(conn, TAKE, [k.session(id), k.tombstone(id)], [])))

  // Rotation deletes the old key and writes its alias in one script, so a miss that has an
  // alias saw a completed rotation; one that has a tombstone, an expiry (anything else that
  // ends a session deletes the tombstone with it). Misses cost a second read (alias and
  // tombstone share the `{id}` tag: one script), renewals a third.
  const miss = async (id: string): Promise<SessionRecord | null> => {
    const [to, tomb] = asFlat(await runScript(conn, MISS, [k.alias(id), k.tombstone(id)], []))
    if (typeof to === 'string' && SAFE.test(to)) {
      const t = k.session(to)
      return decodeRecord(to, asFlat(await conn.send(t, ['HGETALL', t])))
    }
    return decodeTombstone(id, tomb)
  }

  const hit = (
    reply: unknown,
    id: string,
  ): SessionRecord | null | Promise<SessionRecord | null> => {
    const flat = asFlat(reply)
    return flat.length > 0 ? decodeRecord(id, flat) : miss(id)
  }

  const drop = async (userId: string, ids: string[]): Promise<void> => {
    if (ids.length === 0) return
    const u = k.user(userId)
    await runScript(conn, DROP, [u.activity, u.deadlines, u.links], ids)
  }

  const del = async (key: string, ...more: string[]): Promise<void> => {
    await conn.send(key, ['DEL', key, ...more])
  }

  /** Deletes a session, then its index entry and handle key (in that order: see index.ts). */
  const destroy = async (id: string, keepHandle?: string): Promise<SessionRecord | null> => {
    const record = await take(id)
    if (record?.userId != null) {
      await Promise.all([
        drop(record.userId, [id]),
        record.handle !== keepHandle ? del(k.handle(record.handle)) : undefined,
      ])
    }
    return record
  }

  // An indexed id whose key vanished between the index read and the key read may have been
  // renewed into a successor the index read came too early to see (revocation would miss it):
  // list again; the vanished id is pruned by then, so this ends.
  const listByUser = async (userId: string): Promise<SessionRecord[]> => {
    for (let round = 1; ; round++) {
      const { records, vanished } = await listing(userId)
      if (!vanished || round >= HANDLE_ROUNDS) return records
    }
  }

  /** The user's records, and whether some indexed id had no key (replaced or ended meanwhile). */
  const listing = async (
    userId: string,
  ): Promise<{ records: SessionRecord[]; vanished: boolean }> => {
    const u = k.user(userId)
    const ids = asFlat(await conn.send(u.activity, ['ZRANGE', u.activity, '0', '-1']))
    const flats = await Promise.all(
      ids.map((id) => conn.send(k.session(id), ['HGETALL', k.session(id)])),
    )
    const out: SessionRecord[] = []
    const gone: string[] = []
    ids.forEach((id, i) => {
      const record = decodeRecord(id, asFlat(flats[i]))
      if (record) out.push(record)
      else gone.push(id)
    })
    // Safe to prune: a session key is always written before its id enters the index. The
    // listing is complete without it, so a failed prune is reported, not thrown.
    await drop(userId, gone).catch((e: unknown) => report('prune', e))
    return { records: out, vanished: gone.length > 0 }
  }

  const createAtomic = async (r: SessionRecord, o: CreateOptions, argv: string[]) => {
    const u = r.userId === null ? null : k.user(r.userId)
    const keys = [
      k.session(r.id),
      u?.activity ?? '',
      u?.deadlines ?? '',
      r.userId === null ? '' : k.handle(r.handle),
      o.replaces ? k.session(o.replaces) : '',
      o.replaces ? k.alias(o.replaces) : '',
      u?.links ?? '',
      k.tombstone(r.id),
    ]
    const reply = asFlat(await runScript(conn, CREATE_ALL, keys, [prefix, ...argv]))
    if (Number(reply[0]) === 0) throw limitError()
    if (Number(reply[0]) === 2) return { evicted: [], skipped: true }
    const evicted: SessionRecord[] = []
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const record = decodeRecord(reply[i]!, asFlat(reply[i + 1]))
      if (record) evicted.push(record)
    }
    return { evicted }
  }

  const createStepwise = clusterCreate({ conn, k, destroy, drop, del, report })

  return {
    get(id) {
      if (!SAFE.test(id)) return Promise.resolve(null)
      // The hot path: one plain HGETALL (cheaper for Redis than any script), decoded as the
      // watchdog settles, with no async frame of its own.
      const s = k.session(id)
      return conn.read(s, ['HGETALL', s], hit, id)
    },

    async create(r, o: CreateOptions = {}): Promise<CreateResult> {
      if (!SAFE.test(r.id) || !SAFE.test(r.handle) || (o.replaces && !SAFE.test(o.replaces)))
        throw new TesseraError('ERR_BAD_REQUEST', 'session ids and handles must be base64url')
      const max = r.userId !== null && o.limit ? o.limit.max : -1
      if (!conn.singleNode) return createStepwise(r, o, max)
      return createAtomic(r, o, [
        r.id,
        String(expiresAt(r)),
        String(r.lastSeenAt),
        String(r.absoluteExpiresAt),
        r.userId ?? '',
        o.replaces ?? '',
        String(max),
        o.limit?.policy === 'reject-new' ? 'r' : 'e',
        String(o.graceUntil ?? 0),
        o.expectVersion === undefined ? '' : String(o.expectVersion),
        encodeTombstone(r),
        ...encodeRecord(r),
      ])
    },

    async update(id, patch: SessionPatch) {
      if (!SAFE.test(id)) return false
      const s = k.session(id)
      const t = k.tombstone(id)
      // Metadata shares the `$` field with the instants, so a meta change is a compare-and-set
      // on its text: read, merge here (lossless JSON), and let the script apply the whole patch
      // only if no other meta change landed in between (else read again). Touches and data
      // writes never conflict with it. The core itself never patches meta.
      for (let attempt = 0; attempt < META_ATTEMPTS; attempt++) {
        let argv: string[]
        if (patchesMeta(patch)) {
          const before = metaTextOf(await conn.send(s, ['HGET', s, FIELDS.header]))
          if (before === null) return false
          const after = mergeMeta(before, patch.meta!)
          if (after === null) return false
          argv = encodePatch(patch, before, after)
        } else argv = encodePatch(patch)
        if (conn.singleNode) {
          const done = Number(await runScript(conn, UPDATE_ALL, [s, t], [prefix, ...argv]))
          if (done === -1) continue
          return done === 1
        }
        const reply = await runScript(conn, UPDATE, [s, t], argv)
        if (Number(reply) === -1) continue
        if (!Array.isArray(reply)) return false
        const [hasUser, userId, seen, deadline] = reply.map(String)
        if (
          hasUser === '1' &&
          (patch.lastSeenAt !== undefined || patch.idleExpiresAt !== undefined)
        ) {
          // Only existing members move (ZADD XX): a touch never re-admits an evicted session.
          const u = k.user(userId!)
          await runScript(conn, TOUCH, [u.activity, u.deadlines, u.links], [id, seen!, deadline!])
        }
        return true
      }
      throw storeUnavailable(new Error('session metadata kept changing during the update'))
    },

    async destroy(id) {
      return SAFE.test(id) ? destroy(id) : null
    },

    listByUser,

    async destroyByHandle(handle, o = {}) {
      if (!SAFE.test(handle)) return null
      let owner: unknown = o.userId
      if (owner === undefined) {
        const h = k.handle(handle)
        owner = await conn.send(h, ['GET', h])
      }
      if (typeof owner !== 'string') return null
      // Finding the ids (the user's index) and deleting them are separate steps, so a renewal
      // or re-authentication that commits in between leaves its successor under the same
      // handle: look again until the handle names nothing (a successor needs a live
      // predecessor, so this ends). A handle may name two ids during a renewal: end both.
      const ended: SessionRecord[] = []
      for (let round = 0; round < HANDLE_ROUNDS; round++) {
        const { records, vanished } = await listing(owner)
        const matches = records.filter((r) => r.handle === handle)
        // An indexed id whose key vanished between the two reads of the listing may have been
        // replaced by a successor the listing's index read came too early to see: look again.
        if (matches.length === 0 && !vanished) break
        for (const r of await Promise.all(matches.map((m) => destroy(m.id))))
          if (r !== null) ended.push(r)
      }
      return ended.sort((a, b) => b.renewedAt - a.renewedAt)[0] ?? null
    },

    async destroyByUser(userId, o = {}) {
      const u = k.user(userId)
      const ids = asFlat(await conn.send(u.activity, ['ZRANGE', u.activity, '0', '-1']))
      let keepHandle: string | undefined
      if (o.except && SAFE.test(o.except)) {
        const s = k.session(o.except)
        const h = handleOf(await conn.send(s, ['HGET', s, FIELDS.header]))
        if (h !== null) keepHandle = h
      }
      const targets = ids.filter((id) => id !== o.except)
      const ended = await Promise.all(targets.map((id) => destroy(id, keepHandle)))
      // Members whose key had already gone leave the index too.
      await drop(userId, targets)
      return ended.filter((r): r is SessionRecord => r !== null)
    },

    ping: () => conn.ping(),
    close: () => conn.close(),
    observe(sink) {
      notify = sink
    },
  }
}

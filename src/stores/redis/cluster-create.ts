// The create of the Redis Cluster store, where one script can only touch one slot: the steps
// of a login or rotation run one slot at a time, each atomic, in an order that keeps every
// intermediate state safe.
import type { SessionRecord } from '../../core/record.js'
import { expiresAt } from '../../core/record.js'
import type { CreateOptions, CreateResult } from '../../core/store.js'
import { decodeRecord, encodeRecord, type RedisKeys } from './codec.js'
import { encodeTombstone } from './tombstone.js'
import { type RedisConn, runScript } from './conn.js'
import { ADMIT, CLAIM, RELEASE, TAKE_CLAIMED, WRITE } from './lua.js'
import { asFlat, limitError } from './replies.js'

// How long a Cluster replacement's claim on the old record holds off other replacements. Only
// a process that dies mid-replacement lets one run out; the record then stays usable, and
// replaceable again after this long. Safety never depends on it: the final take checks the claim.
const CLAIM_MS = 10_000

/** What the stepwise create needs from the store around it. */
export interface ClusterCreateDeps {
  conn: RedisConn
  k: RedisKeys
  destroy(id: string, keepHandle?: string): Promise<SessionRecord | null>
  drop(userId: string, ids: string[]): Promise<void>
  del(key: string, ...more: string[]): Promise<void>
  report(task: string, error: unknown): void
}

// Cluster: each step is atomic in its own slot. The order keeps every intermediate state
// safe: the new key exists before it is admitted (so pruning can trust a missing key), the
// cap is decided in one script on the user's slot, and deletions come strictly after it.
// A replacement first claims the old record on its slot (live, at the expected version, not
// claimed by another replacement), so concurrent replacements of one record never admit two
// successors, and a replacement that loses there writes nothing and evicts nothing. Its last
// step takes the old record only if the claim and the version still hold; otherwise the new
// session is undone and the create is skipped.
/**
 * The Cluster's `create(record, options)` with the cap `max` (-1 for none).
 *
 * @example
 * const create = clusterCreate({ conn, k, destroy, drop, del, report })
 * await create(record, { replaces, expectVersion }, 3)
 */
export function clusterCreate({ conn, k, destroy, drop, del, report }: ClusterCreateDeps) {
  return async (r: SessionRecord, o: CreateOptions, max: number): Promise<CreateResult> => {
    const s = k.session(r.id)
    const t = k.tombstone(r.id)
    const old = o.replaces === undefined ? null : k.session(o.replaces)
    const expect = o.expectVersion === undefined ? '' : String(o.expectVersion)
    let oldHandle: string | null = null
    let oldUser: string | null = null
    if (old !== null) {
      const claim = asFlat(await runScript(conn, CLAIM, [old], [r.id, expect, String(CLAIM_MS)]))
      if (Number(claim[0]) !== 1) return { evicted: [], skipped: true }
      oldHandle = claim[1] ?? ''
      oldUser = typeof claim[2] === 'string' ? claim[2] : null
    }
    const release = async () => {
      if (old !== null) await runScript(conn, RELEASE, [old], [r.id])
    }
    let evictedIds: string[] = []
    try {
      await runScript(
        conn,
        WRITE,
        [s, t],
        [String(expiresAt(r)), String(r.absoluteExpiresAt), encodeTombstone(r), ...encodeRecord(r)],
      )
      if (r.userId !== null) {
        const u = k.user(r.userId)
        let reply: string[]
        try {
          reply = asFlat(
            await runScript(
              conn,
              ADMIT,
              [u.activity, u.deadlines, u.links],
              [
                r.id,
                String(r.lastSeenAt),
                String(expiresAt(r)),
                o.replaces ?? '',
                String(max),
                o.limit?.policy === 'reject-new' ? 'r' : 'e',
                oldUser === r.userId ? '1' : '0',
              ],
            ),
          )
        } catch (error) {
          await del(s, t).catch((e: unknown) => report('cleanup', e))
          throw error
        }
        if (Number(reply[0]) !== 1) {
          await del(s, t)
          if (Number(reply[0]) === 2) {
            // The replaced record left the user's index after the claim (evicted, revoked or
            // expired): nothing was admitted or evicted.
            await release()
            return { evicted: [], skipped: true }
          }
          throw limitError()
        }
        evictedIds = reply.slice(1)
        const h = k.handle(r.handle)
        await conn.send(h, ['SET', h, r.userId, 'PXAT', String(r.absoluteExpiresAt)])
      }
    } catch (error) {
      // The old record stays as it was: let the next replacement of it proceed at once.
      await release().catch((e: unknown) => report('cleanup', e))
      throw error
    }
    const evicted = (await Promise.all(evictedIds.map((id) => destroy(id)))).filter(
      (e): e is SessionRecord => e !== null,
    )
    if (o.replaces !== undefined) {
      const gone = decodeRecord(
        o.replaces,
        asFlat(
          await runScript(
            conn,
            TAKE_CLAIMED,
            [old!, k.alias(o.replaces), k.tombstone(o.replaces)],
            [r.id, String(o.graceUntil ?? 0), expect],
          ),
        ),
      )
      if (!gone) {
        // Lost after the claim: the old record was revoked or evicted, or (with expectVersion)
        // updated meanwhile. Undo, so one session never becomes two. A rotation shares its
        // handle with the old record, which may still live: keep that handle key. The cap's
        // evictions already happened (they cannot be undone without a window in which
        // revoke-all misses them), so they are reported: a session never ends unannounced.
        await destroy(r.id, oldHandle === r.handle ? r.handle : undefined).catch((e: unknown) =>
          report('undo', e),
        )
        return { evicted, skipped: true }
      }
      if (gone.userId !== null) {
        await Promise.all([
          drop(gone.userId, [o.replaces]),
          gone.handle !== r.handle ? del(k.handle(gone.handle)) : undefined,
        ])
      }
    }
    return { evicted }
  }
}

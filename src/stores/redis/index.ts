/*
 * Redis and Redis Cluster session stores.
 *
 * Client: node-redis v5 (`redis`), the official client: maintained by Redis, with Cluster
 * support (slot routing, MOVED/ASK, topology refresh), Lua scripts by SHA (`defineScript`,
 * EVALSHA with a NOSCRIPT fallback), RESP3 and a reconnect strategy. (Its command timeout
 * stops counting once a command is written, so calls get our own deadline: watchdog.ts.)
 *
 * Key layout (P = `keyPrefix`, default `tessera:`):
 *   P s:{<id>}   hash, one session: `$` (instants, handle and metadata packed in one JSON
 *                array, see codec.ts), `$u` user id, `$v` version (HINCRBY'd by every
 *                update, in the update's script), `d:<key>` per data key (JSON), and on a
 *                Cluster, while a replacement runs, its claim `$c`.
 *                PEXPIREAT min(idle, absolute), moved on every touch. Per-field writes:
 *                concurrent updates of different keys both persist.
 *   P a:{<id>}   string, renewal alias old id → new id, PEXPIREAT graceUntil. Shares the
 *                `{<id>}` tag with the session key, so deleting the old key and writing its
 *                alias is one atomic script on one slot. `get` is one HGETALL; only a miss
 *                reads the alias (and a hit on it, the new key).
 *   P t:{<id>}   string, tombstone of a signed-in session (instants, handle, user id; no
 *                data, no metadata), PXAT the absolute deadline. Written with the session and
 *                deleted with it by every script that ends it on purpose (destroy, revocation,
 *                rotation, eviction), so it outlives the key only when Redis expired it: a miss
 *                that finds it reads as that session, expired (idleExpiresAt = last activity,
 *                data {}), and the manager reports session_expired and
 *                session_use_after_expire, then destroys it (tombstone included). A miss reads
 *                alias and tombstone in one script (same `{<id>}` tag); a hit never reads them.
 *                Anonymous sessions get none: a flood of pre-sessions leaves nothing behind.
 *   P u:{u<hex user>} sorted set, the user's session ids scored by last activity (eviction order).
 *   P l:{u<hex user>} hash (Cluster), pending successor id → the id it replaces, while a
 *                replacement is between its admission and its take: the two count as one
 *                session for the cap, and are evicted together.
 *   P x:{u<hex user>} sorted set, the same ids scored by deadline. All three PEXPIREAT the latest
 *                member deadline, so the index dies with the user's last session; members past
 *                their deadline are pruned by the cap script and missing keys by listing. No
 *                keyspace notifications needed: the index holds the live sessions plus at most
 *                those that died since the user's last login or listing, never past the
 *                latest deadline.
 *   P h:{<handle>}  string, handle → user id, PEXPIREAT absolute deadline; revocation by
 *                handle then looks the session up in that user's index, O(user's sessions).
 *
 * The hard part is the Cluster: a session must be found by its token hash alone (one read per
 * request), so its key is tagged by the hash, while the cap needs the user's index, tagged by
 * the user. No single slot holds both. So the cap lives entirely in the user's slot: the index
 * keeps each member's deadline (`x:`), which lets one script count the live sessions exactly,
 * pick the oldest to evict (or refuse under reject-new) and admit the new id atomically,
 * without reading any session key. 50 concurrent logins are serialised by that one script.
 *
 * Atomicity, standalone: login, rotation (old key deleted, alias set), the cap and the
 * evictions are ONE Lua script (`CREATE_ALL`), which checks the replaced record (live, at the
 * expected version) before writing anything; a touch updates session and index in one script.
 * `update` checks `expectVersion` and adds one to `$v` in the same script on both topologies.
 * Atomicity, Cluster: every script stays in one slot, and a login runs as ordered steps:
 *   0. a replacement first claims the old record on its slot: live, at the expected version,
 *      and not claimed by a concurrent replacement (else: skipped, nothing written);
 *   1. write the new session key (its slot); nobody knows its token yet;
 *   2. the cap script on the user's slot admits it and returns the ids to evict, or refuses
 *      (then the new key is deleted and ERR_SESSION_LIMIT thrown). A replacement of the
 *      user's own record is skipped here if that record has left the index (evicted,
 *      revoked), and is otherwise linked to it, so the pair counts once;
 *   3. evicted keys are deleted, strictly after step 2, so an eviction can never be undone;
 *   4. on rotation the old key is deleted (alias set) before `create` resolves, only if the
 *      claim and the version still hold; otherwise the new session is undone (key, index
 *      entry, handle key) and the create is skipped. Between 1 and 4 both ids are briefly
 *      valid; the old one is dead when the caller gets the new token.
 *   Limit: a replacement that passes step 2 and then loses at step 4 (the old record was
 *   revoked, or updated under expectVersion, in that window) keeps the evictions step 2 made:
 *   an eviction cannot be undone without reviving a session. Step 2 evicts for a
 *   replacement only when the user is over the cap without the replaced record.
 *   A touch is two scripts (session slot, then index slot with ZADD XX): the index only ever
 *   moves existing members, so a touch racing an eviction never re-admits the evicted id.
 *   Destruction deletes the session key first and the index entry second: a failure in
 *   between leaves a harmless phantom member (pruned by listing or its deadline), never a live
 *   session missing from the index (which revoke-all would miss).
 * `update` of a missing key is a no-op on both (the script reads `$` first).
 */
import {
  type ConnOptions,
  clusterConn,
  type RedisClientLike,
  type RedisClusterLike,
  type RedisConn,
  standaloneConn,
} from './conn.js'
import { createRedisStore } from './store.js'
import { redisTracking } from './tracking.js'
import { type NearCacheOptions, nearCacheSettings, withNearCache } from '../near-cache/index.js'
import { configAssert } from '../../core/errors.js'
import { assertKnownKeys } from '../../internal/strict.js'
import { REDIS_CLUSTER_KEYS, REDIS_KEYS } from '../option-keys.js'
import { firstError, type ReadyStore, storeAddress, withReadiness } from '../readiness.js'
import type { SessionStore } from '../../core/store.js'

/** Options shared by {@link redisStore} and {@link redisClusterStore}. */
export interface RedisStoreCommonOptions extends ConnOptions {
  /** Prefix of every key (no braces). Default `tessera:`. */
  keyPrefix?: string
  /**
   * Opt-in near cache: records kept in this process's memory for reads, dropped when Redis
   * pushes a change (CLIENT TRACKING, broadcast mode). See docs/near-cache.md. Default off.
   */
  nearCache?: boolean | NearCacheOptions
}

/** Options of {@link redisStore}: a `url`, or a `client` you created and own. */
export interface RedisStoreOptions extends RedisStoreCommonOptions {
  /** `redis://` or `rediss://` URL. */
  url?: string
  /** A node-redis v5 client (`createClient()`), connected or not; you close it. */
  client?: RedisClientLike
}

/** Options of {@link redisClusterStore}: seed `nodes`, or a `cluster` you created and own. */
export interface RedisClusterStoreOptions extends RedisStoreCommonOptions {
  /** Seed node URLs, e.g. `['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379']`. */
  nodes?: string[]
  /** A node-redis v5 cluster client (`createCluster()`); you close it. */
  cluster?: RedisClusterLike
}

/** The store, behind a near cache when `o.nearCache` asks for one (checked before connecting). */
function build(connect: () => RedisConn, o: RedisStoreCommonOptions, where: string) {
  const prefix = prefixOf(o)
  const near = nearCacheSettings(o.nearCache, where)
  const conn = connect()
  const store = createRedisStore(conn, prefix)
  return near ? withNearCache(store, redisTracking(conn, prefix, o.onError), near) : store
}

function prefixOf(o: RedisStoreCommonOptions): string {
  const prefix = o.keyPrefix ?? 'tessera:'
  configAssert(!/[{}]/.test(prefix), 'Redis keyPrefix must not contain { or } (hash tags)')
  return prefix
}

/**
 * A session store on standalone Redis: native expiry, per-key writes, and login, rotation
 * and the per-user cap in one atomic script. While Redis is unreachable every call rejects
 * within `commandTimeoutMs` with `ERR_STORE_UNAVAILABLE`; the client reconnects by itself.
 *
 * @example
 * import { createSessions } from 'tessera-session'
 * import { redisStore } from 'tessera-session/stores/redis'
 * const sessions = createSessions({ store: redisStore({ url: 'redis://127.0.0.1:6379' }) })
 */
export function redisStore(options: RedisStoreOptions): ReadyStore<SessionStore> {
  configAssert(options?.url || options?.client, 'redisStore needs a url or a client')
  assertKnownKeys(options, REDIS_KEYS, 'redisStore')
  const seen = firstError(options.onError)
  const o = { ...options, onError: seen.onError }
  const address = options.url ? storeAddress(options.url, 6379) : 'the Redis client passed'
  return withReadiness(
    build(() => standaloneConn(o), o, 'redisStore'),
    'Redis',
    address,
    () => seen.error,
  )
}

/**
 * A session store on Redis Cluster. Every script stays in one hash slot; the per-user cap is
 * exact under concurrency (decided by one script on the user's slot), and rotation is "write
 * new, then delete old" before `create` resolves (see the notes at the top of this file).
 *
 * @example
 * const store = redisClusterStore({ nodes: ['redis://127.0.0.1:7000', 'redis://127.0.0.1:7001'] })
 */
export function redisClusterStore(options: RedisClusterStoreOptions): ReadyStore<SessionStore> {
  configAssert(
    (options.nodes && options.nodes.length > 0) || options.cluster,
    'redisClusterStore needs seed nodes or a cluster client',
  )
  assertKnownKeys(options, REDIS_CLUSTER_KEYS, 'redisClusterStore')
  const seen = firstError(options.onError)
  const o = { ...options, onError: seen.onError }
  const address = options.nodes
    ? options.nodes.map((url) => storeAddress(url, 6379)).join(', ')
    : 'the Redis Cluster client passed'
  const store = build(() => clusterConn(o), o, 'redisClusterStore')
  return withReadiness(store, 'Redis Cluster', address, () => seen.error)
}

export type { ConnOptions, RedisClientLike, RedisClusterLike }
export {
  type NearCacheEvent,
  type NearCacheOptions,
  type NearCacheStats,
  nearCacheStats,
} from '../near-cache/index.js'

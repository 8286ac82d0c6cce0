import { expiresAt, type SessionRecord } from '../../core/record.js'
import type { SessionStore, StoreNotice } from '../../core/store.js'
import type { InvalidationChannel, InvalidationSink } from './channel.js'
import { RecordCache } from './entries.js'
import type { NearCacheEvent, NearCacheSettings } from './options.js'

/** What a near cache has done so far (for tests, benchmarks and metrics). */
export interface NearCacheStats {
  /** Reads answered from memory. */
  hits: number
  /** Reads that went to the store (a miss, the channel down, an expired entry). */
  misses: number
  /** Invalidations received from the channel. */
  pushed: number
  /** Records held now, and their estimated bytes. */
  entries: number
  bytes: number
  /** True while the invalidation channel is subscribed (the cache keeps what it reads). */
  up: boolean
}

const statsOf = new WeakMap<SessionStore, () => NearCacheStats>()

/**
 * The {@link NearCacheStats} of a store made with `nearCache`, or null for any other store.
 *
 * @example
 * const store = redisStore({ url, nearCache: true })
 * nearCacheStats(store)?.hits
 */
export function nearCacheStats(store: SessionStore): NearCacheStats | null {
  return statsOf.get(store)?.() ?? null
}

/** Reads of one id in flight, and how many invalidations of it arrived meanwhile. */
interface Pending {
  reads: number
  generation: number
}

/**
 * `inner` with a near cache on `get`: records are kept in this process's memory and dropped
 * when `channel` pushes an invalidation. Everything else goes to `inner` exactly as before;
 * this process's own writes drop their entries as soon as the store answers.
 *
 * Staleness: an entry is dropped when its invalidation arrives; a read that was in flight
 * when one arrived (or when the channel changed state) is not kept, so an old answer racing a
 * newer write cannot be cached after the invalidation. While the channel is down nothing is
 * kept and every read goes to the store. An entry older than `maxAgeMs` is never served,
 * which bounds what a silently lost invalidation can cost.
 *
 * @example
 * const store = withNearCache(inner, redisTracking(conn, 'tessera:'), nearCacheSettings(true, 'x')!)
 */
export function withNearCache<S extends SessionStore>(
  inner: S,
  channel: InvalidationChannel,
  settings: NearCacheSettings,
): S {
  const cache = new RecordCache(settings.maxEntries, settings.maxBytes)
  const pending = new Map<string, Pending>()
  const { clock, maxAgeMs } = settings
  // A throwing listener must not fail a write that has already committed, nor a push handler.
  const onEvent = settings.onEvent
    ? (event: NearCacheEvent) => {
        try {
          settings.onEvent!(event)
        } catch {
          // The listener's own fault; the cache has done its part.
        }
      }
    : undefined
  let up = false
  // Bumped by every channel change and flush: a read that spans one is not kept.
  let epoch = 0
  let hits = 0
  let misses = 0
  let pushed = 0
  let notify: (notice: StoreNotice) => void = () => {}

  const drop = (id: string, source: 'push' | 'local') => {
    cache.delete(id)
    const p = pending.get(id)
    if (p !== undefined) p.generation++
    onEvent?.({ type: 'invalidate', id, source })
  }
  const flush = () => {
    epoch++
    cache.clear()
  }
  const sink: InvalidationSink = {
    invalidate(id) {
      pushed++
      drop(id, 'push')
    },
    invalidateAll() {
      flush()
      onEvent?.({ type: 'flush' })
    },
    up() {
      flush()
      up = true
      onEvent?.({ type: 'up' })
    },
    down(reason) {
      flush()
      if (!up) return
      up = false
      const message = reason instanceof Error ? reason.message : String(reason)
      onEvent?.({ type: 'down', reason: message })
      // Once per loss, not per read: the store itself still answers every read.
      notify({ type: 'background_error', task: 'near-cache', error: reason })
    },
  }

  const load = (id: string): Promise<SessionRecord | null> => {
    misses++
    if (!up) return inner.get(id)
    const started = epoch
    let p = pending.get(id)
    if (p === undefined) {
      p = { reads: 0, generation: 0 }
      pending.set(id, p)
    }
    p.reads++
    const generation = p.generation
    const entry = p
    const settle = () => {
      if (--entry.reads === 0 && pending.get(id) === entry) pending.delete(id)
    }
    return inner.get(id).then(
      (record) => {
        settle()
        // Only a record found under its own id: one reached through a renewal alias changes
        // with the alias, which the channel does not report.
        // A record already past its deadline (a Redis tombstone) is left to the store to end.
        if (
          record !== null &&
          record.id === id &&
          expiresAt(record) > clock.now() &&
          up &&
          epoch === started &&
          entry.generation === generation
        )
          cache.put(record, clock.now())
        return record
      },
      (error: unknown) => {
        settle()
        throw error
      },
    )
  }

  /** Runs a write, dropping `ids` before it starts and again once it settles, either way. */
  const writing = async <T>(ids: readonly string[], write: () => Promise<T>): Promise<T> => {
    for (const id of ids) drop(id, 'local')
    try {
      return await write()
    } finally {
      for (const id of ids) drop(id, 'local')
    }
  }

  const store = {
    ...inner,
    get(id: string): Promise<SessionRecord | null> {
      if (up) {
        const record = cache.get(id, clock.now() - maxAgeMs)
        if (record !== undefined) {
          hits++
          return Promise.resolve(record)
        }
      }
      return load(id)
    },
    async create(record, o = {}) {
      const ids = o.replaces === undefined ? [record.id] : [record.id, o.replaces]
      const result = await writing(ids, () => inner.create(record, o))
      for (const e of result.evicted) drop(e.id, 'local')
      return result
    },
    update: (id, patch) => writing([id], () => inner.update(id, patch)),
    destroy: (id) => writing([id], () => inner.destroy(id)),
    async destroyByHandle(handle, o) {
      const ended = await inner.destroyByHandle(handle, o)
      // A renewal in flight may have ended two ids under one handle: drop every one.
      cache.deleteWhere((r) => r.handle === handle)
      if (ended !== null) drop(ended.id, 'local')
      epoch++
      return ended
    },
    async destroyByUser(userId, o) {
      const ended = await inner.destroyByUser(userId, o)
      cache.deleteWhere((r) => r.userId === userId && r.id !== o?.except)
      for (const r of ended) drop(r.id, 'local')
      epoch++
      return ended
    },
    async close() {
      up = false
      flush()
      await Promise.allSettled([channel.close()])
      await inner.close()
    },
    observe(sink: (notice: StoreNotice) => void) {
      notify = sink
      inner.observe?.(sink)
    },
  } satisfies SessionStore as S
  // A synchronous read would bypass the cache's bookkeeping; the stores wrapped here have none.
  delete (store as Partial<SessionStore>).getSync
  statsOf.set(store, () => ({
    hits,
    misses,
    pushed,
    entries: cache.size,
    bytes: cache.bytes,
    up,
  }))
  channel.start(sink)
  return store
}

/*
 * The opt-in near cache of the network stores: session records kept in each app process's
 * memory for reads, dropped when the store pushes an invalidation (Redis client tracking,
 * PostgreSQL LISTEN/NOTIFY). See docs/near-cache.md for the guarantees and the bound.
 */
export { nearCacheStats, type NearCacheStats, withNearCache } from './cached-store.js'
export type { InvalidationChannel, InvalidationSink } from './channel.js'
export { RecordCache } from './entries.js'
export {
  type NearCacheEvent,
  type NearCacheOptions,
  type NearCacheSettings,
  nearCacheSettings,
} from './options.js'

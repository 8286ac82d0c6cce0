import type { SessionStore } from '../../src/core/store.js'
import { nearCacheStats } from '../../src/stores/near-cache/index.js'

/**
 * Logs the near cache's counters and fails the file if the cache never answered a read: a
 * cached configuration whose cache stayed cold would prove nothing.
 *
 * @example
 * close: async () => { requireCacheHits(store); await store.close() }
 */
export function requireCacheHits(store: SessionStore): void {
  const s = nearCacheStats(store)
  console.info(`near cache: ${s?.hits} hits, ${s?.misses} misses, ${s?.pushed} pushed`)
  if (!s || s.hits === 0) throw new Error('the near cache answered no read')
}

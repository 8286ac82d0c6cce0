import { testDatabase } from '../../src/stores/postgres/test-database.js'
import type { SessionStore } from '../../src/core/store.js'
import { nearCacheStats } from '../../src/stores/near-cache/index.js'
import { EventLog } from '../near-cache/events.js'
import { concurrencySuite } from './suite.js'

// A schema of our own on the shared server (skips loudly when unreachable, fails under CI).
const db = await testDatabase('concurrency_nc')

// The same schedules with the near cache on: every read after the first of a session is
// answered from memory, so the invariants hold only if every write drops what it changed.
/** Fails the file if the cache never answered: the cached configuration would prove nothing. */
const reportHits = (store: SessionStore) => {
  const s = nearCacheStats(store)
  console.info(`near cache: ${s?.hits} hits, ${s?.misses} misses, ${s?.pushed} pushed`)
  if (!s || s.hits === 0) throw new Error('the near cache answered no read')
}

concurrencySuite(
  'the PostgreSQL store with the near cache',
  async (clock) => {
    const log = new EventLog()
    const store = db.store({ clock, nearCache: { onEvent: log.push } })
    // Schedules start once LISTEN runs: before that the cache keeps nothing.
    await log.ready()
    return {
      store,
      close: async () => {
        reportHits(store)
        await db.drop()
      },
    }
  },
  db.up,
  { runs: 60, overlapRuns: 30 },
)

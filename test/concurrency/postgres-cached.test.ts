import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { EventLog } from '../near-cache/events.js'
import { requireCacheHits } from './cache-hits.js'
import { concurrencySuite } from './suite.js'

// A schema of our own on the shared server (skips loudly when unreachable, fails under CI).
const db = await testDatabase('concurrency_nc')

// The same schedules with the near cache on: every read after the first of a session is
// answered from memory, so the invariants hold only if every write drops what it changed.
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
        requireCacheHits(store)
        await db.drop()
      },
    }
  },
  db.up,
  { runs: 60, overlapRuns: 30 },
)

import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { concurrencySuite } from './suite.js'

// A schema of our own on the shared server (skips loudly when unreachable, fails under CI).
const db = await testDatabase('concurrency')

concurrencySuite(
  'the PostgreSQL store',
  (clock) => ({ store: db.store({ clock }), close: () => db.drop() }),
  db.up,
  // Every store call is a round trip (a replacement a transaction of several): fewer
  // schedules keep this file near a minute in `npm test`; the full count runs in verify.
  { runs: 100, overlapRuns: 50 },
)

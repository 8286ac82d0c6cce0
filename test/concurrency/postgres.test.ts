import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { concurrencySuite } from './suite.js'

// A schema of our own on the shared server (skips loudly when unreachable, fails under CI).
const db = await testDatabase('concurrency')

concurrencySuite(
  'the PostgreSQL store',
  (clock) => ({ store: db.store({ clock }), close: () => db.drop() }),
  db.up,
)

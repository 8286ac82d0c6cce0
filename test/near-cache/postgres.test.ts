import { notifyChannel } from '../../src/stores/postgres/listen.js'
import { pgTables } from '../../src/stores/postgres/schema.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { nearCacheSuite } from './suite.js'

// A schema of our own on the shared server (skips loudly when unreachable, fails under CI).
const db = await testDatabase('near_cache')

nearCacheSuite('PostgreSQL', db.up, (logA, logB) => {
  const a = db.store({ nearCache: { onEvent: logA.push } })
  const b = db.store({ nearCache: { onEvent: logB.push } })
  // The listening connections carry their channel's name (one per schema and prefix).
  const name = notifyChannel(pgTables(db.schema, 'tessera_'))
  return {
    a,
    b,
    kill: async () => {
      const { rowCount } = await db.admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [name],
      )
      if (!rowCount) throw new Error('no listening connection to terminate')
    },
    close: () => db.drop(),
  }
})

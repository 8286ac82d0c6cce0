import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteStore } from '../../src/stores/sqlite/index.js'
import { concurrencySuite } from './suite.js'

concurrencySuite('the SQLite store', (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-concurrency-'))
  const store = sqliteStore({ path: join(dir, 'sessions.db'), clock, sweepIntervalMs: 0 })
  return {
    store,
    close: async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

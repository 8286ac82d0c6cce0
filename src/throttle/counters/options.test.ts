import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { WorkGate } from '../gate.js'
import { memoryCounters } from './memory.js'
import { postgresCounters } from './postgres.js'
import { redisCounters } from './redis.js'
import { sqliteCounters } from './sqlite.js'

// Construction only: no query runs until the first attempt, so no server is needed here.
const db = new Database(':memory:')
const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:5432/test' })
const client = { sendCommand: async () => null }
afterAll(async () => {
  db.close()
  await pool.end()
})

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

const cases: Array<[string, () => unknown, RegExp, () => unknown]> = [
  [
    'memoryCounters',
    () => memoryCounters({ maxKey: 1 } as never),
    /"maxKey": did you mean "maxKeys"/,
    () => memoryCounters({ maxKeys: 10 }),
  ],
  [
    'sqliteCounters',
    () => sqliteCounters(db, { tabel: 't' } as never),
    /"tabel": did you mean "table"/,
    () => sqliteCounters(db, { table: 'tessera_try' }),
  ],
  [
    'postgresCounters',
    () => postgresCounters(pool, { tabel: 't' } as never),
    /"tabel": did you mean "table"/,
    () => postgresCounters(pool, { table: 'tessera_try' }),
  ],
  [
    'redisCounters',
    () => redisCounters(client, { prefx: 'x:' } as never),
    /"prefx": did you mean "prefix"/,
    () => redisCounters(client, { prefix: 'x:' }),
  ],
  [
    'WorkGate',
    () => new WorkGate({ concurency: 1 } as never),
    /"concurency": did you mean "concurrency"/,
    () => new WorkGate({ concurrency: 2, queue: 4, priorityQueue: 4 }),
  ],
]

describe.each(cases)('%s options', (name, misspelt, message, valid) => {
  it('refuses a misspelt key with ERR_CONFIG naming the call', () => {
    const error = thrown(misspelt)
    expect(error).toMatchObject({ code: 'ERR_CONFIG', message: expect.stringMatching(message) })
    expect((error as Error).message).toContain(name)
  })

  it('accepts its documented options', () => {
    expect(thrown(valid)).toBeNull()
  })
})

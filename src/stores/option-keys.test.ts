import { describe, expect, it } from 'vitest'
import { memoryStore } from './memory/index.js'
import { postgresStore } from './postgres/index.js'
import { redisClusterStore, redisStore } from './redis/index.js'
import { sqliteStore } from './sqlite/index.js'

// Construction only. The network stores connect lazily (Redis in the background), so the
// valid configurations point at an unused port and are closed at once: no server needed.
const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}
const REDIS = 'redis://127.0.0.1:1'
const PG = 'postgres://postgres@127.0.0.1:1/test'

const cases: Array<[string, () => unknown, RegExp, () => { close(): Promise<void> }]> = [
  [
    'memoryStore',
    () => memoryStore({ maxEntrie: 5 } as never),
    /memoryStore: unknown option "maxEntrie": did you mean "maxEntries"/,
    () => memoryStore({ maxEntries: 5, sweepIntervalMs: 60_000, quiet: true }),
  ],
  [
    'sqliteStore',
    () => sqliteStore({ path: ':memory:', tablePrefx: 't_' } as never),
    /sqliteStore: unknown option "tablePrefx": did you mean "tablePrefix"/,
    () =>
      sqliteStore({
        path: ':memory:',
        tablePrefix: 't_',
        sweepIntervalMs: 0,
        busyTimeoutMs: 100,
        synchronous: 'normal',
      }),
  ],
  [
    'postgresStore',
    () => postgresStore({ connectionString: PG, poolsize: 2 } as never),
    /postgresStore: unknown option "poolsize": did you mean "poolSize"/,
    () =>
      postgresStore({
        connectionString: PG,
        poolSize: 2,
        schema: 'public',
        tablePrefix: 't_',
        sweepIntervalMs: 0,
        nearCache: false,
      }),
  ],
  [
    'redisStore',
    () => redisStore({ url: REDIS, keyprefix: 'x:' } as never),
    /redisStore: unknown option "keyprefix": did you mean "keyPrefix"/,
    () =>
      redisStore({
        url: REDIS,
        keyPrefix: 'x:',
        commandTimeoutMs: 100,
        onError: () => {},
        nearCache: false,
      }),
  ],
  [
    'redisClusterStore',
    () => redisClusterStore({ nodes: [REDIS], node: [REDIS] } as never),
    /redisClusterStore: unknown option "node": did you mean "nodes"/,
    () => redisClusterStore({ nodes: [REDIS], keyPrefix: 'x:', nearCache: false }),
  ],
]

describe.each(cases)('%s options', (_name, misspelt, message, valid) => {
  it('refuses a misspelt key with ERR_CONFIG and the suggestion', () => {
    expect(thrown(misspelt)).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(message),
    })
  })

  it('accepts its documented options (nearCache included on the network stores)', async () => {
    let store: { close(): Promise<void> } | undefined
    expect(thrown(() => (store = valid()))).toBeNull()
    await store?.close()
  })
})

it('redisStore answers an express-session habit with the migration hint', () => {
  expect(thrown(() => redisStore({ url: REDIS, secret: 'x' } as never))).toMatchObject({
    message: expect.stringMatching(/needs no cookie secret/),
  })
})

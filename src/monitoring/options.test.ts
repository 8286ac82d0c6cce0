import { describe, expect, it } from 'vitest'
import { createSessions } from '../core/manager.js'
import { memoryStore } from '../stores/memory/index.js'
import { anomalyRules } from './anomaly.js'
import { auditFromUrl } from './audit/from-url.js'
import { auditLog } from './audit/log.js'
import { memoryAudit } from './audit/memory.js'
import { postgresAudit } from './audit/postgres.js'
import { redisAudit } from './audit/redis.js'
import { sqliteAudit } from './audit/sqlite.js'
import { createDeviceParser } from './device.js'
import { createEventLogger, logSink } from './logger.js'
import { sessionMetrics } from './metrics.js'
import { monitor } from './monitor.js'

const sessions = createSessions({ store: memoryStore() })
const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}
const sink = { write: () => {} }

// [factory, misspelt call, expected message, a valid call]; the valid calls open nothing remote.
const cases: Array<[string, () => unknown, RegExp, () => unknown]> = [
  [
    'auditLog',
    () => auditLog(memoryAudit(), { retension: '30d' } as never),
    /auditLog\(\): unknown option "retension": did you mean "retention"/,
    () =>
      auditLog(memoryAudit(), {
        retention: '30d',
        securityRetention: '365d',
        perAddress: { limit: 5, window: '1m' },
        batchSize: 10,
        flushInterval: '1s',
        maxQueue: 100,
        pruneInterval: '1h',
        onError: () => {},
      }).close(),
  ],
  [
    'auditLog perAddress',
    () => auditLog(memoryAudit(), { perAddress: { limt: 5 } } as never),
    /perAddress: unknown option "limt": did you mean "limit"/,
    () => auditLog(memoryAudit(), { perAddress: false }).close(),
  ],
  [
    'memoryAudit',
    () => memoryAudit({ maxEntrie: 1 } as never),
    /memoryAudit\(\): unknown option "maxEntrie": did you mean "maxEntries"/,
    () => memoryAudit({ maxEntries: 10, maxSecurityEntries: 10 }),
  ],
  [
    'sqliteAudit',
    () => sqliteAudit({ paht: ':memory:' } as never),
    /sqliteAudit\(\): unknown option "paht": did you mean "path"/,
    () => sqliteAudit({ path: ':memory:', table: 'audit_t', maxRows: 10 }).close?.(),
  ],
  [
    'postgresAudit',
    () => postgresAudit({ connectionstring: 'postgres://x' } as never),
    /postgresAudit\(\): unknown option "connectionstring": did you mean "connectionString"/,
    () => null,
  ],
  [
    'redisAudit',
    () => redisAudit({ urll: 'redis://x' } as never),
    /redisAudit\(\): unknown option "urll": did you mean "url"/,
    () => null,
  ],
  [
    'logSink',
    () => logSink({ levle: 'info' } as never),
    /logSink\(\): unknown option "levle": did you mean "level"/,
    () => logSink({ level: 'info', destination: sink }),
  ],
  [
    'createEventLogger',
    () => createEventLogger({ destinaton: sink } as never),
    /did you mean "destination"/,
    () => createEventLogger({ level: 'warn', destination: sink }),
  ],
  [
    'sessionMetrics',
    () => sessionMetrics({ prefx: 'x_' } as never),
    /sessionMetrics\(\): unknown option "prefx": did you mean "prefix"/,
    () => sessionMetrics({ prefix: 'opts_test_', maxTracked: 10 }),
  ],
  [
    'createDeviceParser',
    () => createDeviceParser({ cachesize: 1 } as never),
    /did you mean "cacheSize"/,
    () => createDeviceParser({ cacheSize: 10 }),
  ],
  [
    'anomalyRules',
    () => anomalyRules({ sessions, ipchange: 'log' } as never),
    /anomalyRules\(\): unknown option "ipchange": did you mean "ipChange"/,
    () =>
      anomalyRules({
        sessions,
        ipChange: 'log',
        userAgentChange: 'log',
        reauthPaths: ['/x'],
        newDevice: { maxUsers: 10 },
        guessing: { max: 5, window: '1m', maxClients: 10 },
      }),
  ],
  [
    'anomalyRules guessing',
    () => anomalyRules({ sessions, guessing: { maxs: 5 } } as never),
    /guessing: unknown option "maxs": did you mean "max"/,
    () => anomalyRules({ sessions, guessing: false, newDevice: false }),
  ],
  [
    'anomalyRules newDevice',
    () => anomalyRules({ sessions, newDevice: { maxUser: 5 } } as never),
    /newDevice: unknown option "maxUser": did you mean "maxUsers"/,
    () => anomalyRules({ sessions }),
  ],
  [
    'monitor',
    () => monitor(sessions, { anomly: false } as never),
    /monitor\(\): unknown option "anomly": did you mean "anomaly"/,
    () => monitor(sessions, { log: false, audit: false, metrics: false, anomaly: false }).close?.(),
  ],
]

describe.each(cases)('%s options', (_name, misspelt, message, valid) => {
  it('refuses a misspelt key with ERR_CONFIG and the suggestion', () => {
    expect(thrown(misspelt)).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(message),
    })
  })

  it('accepts its documented options', () => {
    expect(thrown(valid)).toBeNull()
  })
})

describe('durations written in seconds', () => {
  it('refuses an audit retention of 3600 (an hour in seconds is 3.6 s)', () => {
    expect(thrown(() => auditLog(memoryAudit(), { retention: 3600 }))).toMatchObject({
      message: expect.stringMatching(/audit retention: 3600 is 3600 milliseconds.*'30m'/),
    })
  })

  it('refuses a guessing window of 60', () => {
    expect(thrown(() => anomalyRules({ sessions, guessing: { window: 60 } }))).toMatchObject({
      message: expect.stringMatching(/guessing.window: 60 is 60 milliseconds/),
    })
  })
})

it('auditFromUrl refuses a misspelt key before opening anything', async () => {
  await expect(auditFromUrl('memory:', { tabel: 'x' } as never)).rejects.toMatchObject({
    code: 'ERR_CONFIG',
    message: expect.stringMatching(
      /auditFromUrl\(\): unknown option "tabel": did you mean "table"/,
    ),
  })
  await expect(auditFromUrl('memory:', { table: 'x' })).resolves.toBeDefined()
})

import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresAnswers, redisAnswers, serviceGate } from '../services/availability.js'
import { audit, evidence, notPassed, startReference } from './helpers.js'

// The reference app, audited with examples/audit/tessera-bank.yaml on Redis and PostgreSQL
// (periodic renewal on, as the example declares), and on SQLite without renewal (the profile
// whose rotation check tests re-authentication only): every check must PASS, not even a WARN
// or SKIP. SQLite with renewal is audited three times in reference-stable.test.ts.
const TARGET = 'examples/audit/tessera-bank.yaml'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SQLITE_FILE = `${process.env.TMPDIR ?? '/tmp'}/tessera-audit-${process.pid}.db`

const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const pgUp = await serviceGate('PostgreSQL', DATABASE_URL, () => postgresAnswers(DATABASE_URL))

const RENEWAL_PASSED = 'ok: renewal: the old ID is refused after the grace window (1000 ms)'

const runs: [string, string, boolean, boolean][] = [
  ['Redis, renewal on', REDIS_URL, redisUp, true],
  ['PostgreSQL, renewal on', DATABASE_URL, pgUp, true],
  ['SQLite, renewal off', `sqlite:${SQLITE_FILE}`, true, false],
]

describe.concurrent.each(runs)(
  'the reference app on %s',
  { timeout: 90_000 },
  (_name, storeUrl, up, renewal) => {
    let app: Awaited<ReturnType<typeof startReference>>
    beforeAll(async () => {
      if (up) app = await startReference(storeUrl, { renewal })
    })
    afterAll(async () => {
      await app?.close()
      if (storeUrl.startsWith('sqlite:'))
        for (const suffix of ['', '-wal', '-shm']) await rm(SQLITE_FILE + suffix, { force: true })
    })
    it.runIf(up)('passes every check of the audit', async () => {
      const report = await audit(TARGET, app.url, undefined, renewal ? {} : { renewal: null })
      expect(notPassed(report)).toEqual([])
      const rotation = evidence(report, 'rotation')
      if (renewal) expect(rotation).toContain(RENEWAL_PASSED)
      else
        expect(rotation).toContain('note: no policy.renewal declared: periodic rotation not tested')
    })
  },
)

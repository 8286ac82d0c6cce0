import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { audit, failed, postgresAnswers, startReference } from './helpers.js'

// The reference app, audited with examples/audit/tessera-bank.yaml on each store: every check
// must PASS (not even a WARN or SKIP; the example declares every section the app has).
const TARGET = 'examples/audit/tessera-bank.yaml'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const pgUp = await serviceGate('PostgreSQL', DATABASE_URL, () => postgresAnswers(DATABASE_URL))

const stores: [string, string, boolean][] = [
  ['SQLite', `sqlite:${process.env.TMPDIR ?? '/tmp'}/tessera-audit-${process.pid}.db`, true],
  ['Redis', REDIS_URL, redisUp],
  ['PostgreSQL', DATABASE_URL, pgUp],
]

describe.concurrent.each(stores)(
  'the reference app on %s',
  { timeout: 90_000 },
  (_name, storeUrl, up) => {
    let app: Awaited<ReturnType<typeof startReference>>
    beforeAll(async () => {
      if (up) app = await startReference(storeUrl)
    })
    afterAll(async () => {
      await app?.close()
      if (storeUrl.startsWith('sqlite:'))
        for (const suffix of ['', '-wal', '-shm'])
          await rm(storeUrl.slice(7) + suffix, { force: true })
    })
    it.runIf(up)('passes every check of the audit', async () => {
      const report = await audit(TARGET, app.url)
      expect(
        failed(report),
        JSON.stringify(report.results.filter((r) => r.verdict === 'FAIL')),
      ).toEqual([])
      expect(report.results.filter((r) => r.verdict !== 'PASS').map((r) => r.id)).toEqual([])
    })
  },
)

import { rm } from 'node:fs/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { audit, evidence, notPassed, startReference, verdicts } from './helpers.js'

// "No false FAIL on the reference app, run 3 times: the verdicts are stable." Three reference
// apps on SQLite (each its own file and port: the app seeds only two user accounts, and the
// cap and revoke-others checks would end a concurrent audit's sessions of the same accounts),
// audited side by side with examples/audit/tessera-bank.yaml, periodic renewal on. Every check
// must PASS in every run, and the three verdict maps must be equal.
const TARGET = 'examples/audit/tessera-bank.yaml'
const RUNS = 3
const files = Array.from(
  { length: RUNS },
  (_, i) => `${process.env.TMPDIR ?? '/tmp'}/tessera-audit-stable-${process.pid}-${i}.db`,
)
const apps: Awaited<ReturnType<typeof startReference>>[] = []

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
  for (const file of files)
    for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true })
})

describe('the reference app on SQLite, audited 3 times', () => {
  it('passes every check in every run, with the same verdicts', { timeout: 120_000 }, async () => {
    for (const file of files) apps.push(await startReference(`sqlite:${file}`))
    const reports = await Promise.all(apps.map((app) => audit(TARGET, app.url)))
    for (const report of reports) {
      expect(notPassed(report)).toEqual([])
      expect(evidence(report, 'rotation')).toContain(
        'ok: renewal: the old ID is refused after the grace window (1000 ms)',
      )
    }
    const [first, ...others] = reports.map(verdicts)
    expect(Object.keys(first!)).toHaveLength(14)
    for (const other of others) expect(other).toEqual(first)
  })
})

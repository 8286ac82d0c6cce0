import { describe, expect, it } from 'vitest'
import { audit, failed, verdicts } from './helpers.js'
import { startExpressDefaults } from './targets/express-defaults.js'
import { type Flaw, startMiniApp } from './targets/mini-app.js'

const TARGET = 'test/audit/targets/mini.json'

// Each flaw, and the checks it must fail: exactly these, no other. Each target is audited
// three times (three app instances, audited side by side) and the verdicts must agree. 24
// samples keep 27 audits quick (the FIPS battery then does not run: it is exercised on the
// reference app and in units.test.ts; nor can the per-bit test fail: at 24 samples only a bit
// the same in all of them is past its limit, and that bit does not vary). Not 20: the
// session-ID check WARNs when two of 256 random bits are the same in every sample, which 20
// samples do once in ~8 million audits, ~3e-6 a run over these 27; 24 samples ~1e-8.
const SAMPLES = 24
const RENEWAL = { intervalMs: 1200, graceMs: 600 }
const CASES: [string, Flaw, typeof RENEWAL | null, string[]][] = [
  ['correct', 'none', null, []],
  ['correct, with periodic rotation', 'none', RENEWAL, []],
  ['no-regenerate', 'no-regenerate', null, ['fixation']],
  ['logout-cookie-only', 'logout-cookie-only', null, ['logout']],
  ['idle-cookie-only', 'idle-cookie-only', null, ['timeouts']],
  ['csrf-trusts-missing-origin', 'csrf-trusts-missing-origin', null, ['csrf']],
  ['jwt-no-revocation', 'jwt-no-revocation', null, ['refresh', 'revocation']],
  ['renewal-keeps-old', 'renewal-keeps-old', RENEWAL, ['rotation']],
]

describe.concurrent('the auditor on deliberately flawed targets', { timeout: 120_000 }, () => {
  it.each(CASES)(
    '%s (flaw %s, renewal %j): fails exactly %j, three times alike',
    async (_name, flaw, renewal, expected) => {
      const apps = await Promise.all([1, 2, 3].map(() => startMiniApp(flaw, renewal)))
      try {
        const reports = await Promise.all(
          apps.map((app) => audit(TARGET, app.url, SAMPLES, { renewal })),
        )
        for (const report of reports) {
          expect(report.results).toHaveLength(14)
          const failures = report.results.filter((r) => r.verdict === 'FAIL')
          expect(failed(report), JSON.stringify(failures)).toEqual(expected)
        }
        expect(verdicts(reports[1]!)).toEqual(verdicts(reports[0]!))
        expect(verdicts(reports[2]!)).toEqual(verdicts(reports[0]!))
        // The correct mini app passes every check outright (no WARN, no SKIP to hide behind).
        if (flaw === 'none')
          expect(new Set(Object.values(verdicts(reports[0]!)))).toEqual(new Set(['PASS']))
      } finally {
        await Promise.all(apps.map((a) => a.close()))
      }
    },
  )
})

// express-session with its defaults and a login without regenerate(): no __Host- prefix, no
// Secure, no SameSite; the pre-login ID survives sign-in; of two tossed connect.sid cookies the
// first wins. The target declares no timeouts, tokens or session list, so those checks SKIP.
describe('the auditor on express-session defaults', { timeout: 60_000 }, () => {
  it('fails cookie-attributes, cookie-tossing and fixation, three times alike', async () => {
    const apps = await Promise.all([1, 2, 3].map(() => startExpressDefaults()))
    try {
      const reports = await Promise.all(
        apps.map((app) => audit('test/audit/targets/express-defaults.json', app.url, SAMPLES)),
      )
      for (const report of reports)
        expect(failed(report)).toEqual(['cookie-attributes', 'cookie-tossing', 'fixation'])
      expect(verdicts(reports[1]!)).toEqual(verdicts(reports[0]!))
      expect(verdicts(reports[2]!)).toEqual(verdicts(reports[0]!))
    } finally {
      await Promise.all(apps.map((a) => a.close()))
    }
  })
})

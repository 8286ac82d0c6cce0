import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AUDIT_USAGE, audit, parseAuditArgs } from '../../src/audit/cli.js'
import { Findings } from '../../src/audit/check.js'
import { judgeSample } from '../../src/audit/checks/id-quality.js'
import { runAudit } from '../../src/audit/engine.js'
import { fipsBlock } from '../../src/audit/fips.js'
import { fingerprint } from '../../src/audit/http.js'
import { loadTarget } from '../../src/audit/load.js'
import { analyseTokens, binomialTail, decodeToken } from '../../src/audit/randomness.js'
import { parseTarget } from '../../src/audit/target.js'
import { startMiniApp } from './targets/mini-app.js'

const MINI = 'test/audit/targets/mini.json'
// The raw JSON of the mini target, to change one key at a time.
const base = (): Record<string, unknown> => JSON.parse(readFileSync(MINI, 'utf8'))

describe('audit target validation', () => {
  it('loads the YAML example and the JSON mini target', () => {
    expect(loadTarget('examples/audit/tessera-bank.yaml').policy.idleTimeoutMs).toBe(2000)
    expect(loadTarget(MINI).tokens?.refreshField).toBe('refresh_token')
  })
  it.each([
    [{ sesionCookie: 'x' }, /unknown option "sesionCookie": did you mean "sessionCookie"/],
    [{ baseUrl: 'ftp://x' }, /baseUrl: must be http/],
    [{ accounts: [{ username: 'a', password: 'b' }] }, /exactly two test accounts/],
    [{ login: { path: 'api/login' } }, /login.path: must be a path/],
    [{ login: { path: '/l', fromat: 'json' } }, /did you mean "format"/],
    [{ policy: { idleTimeout: '5 minutes' } }, /idleTimeout/],
    [{ policy: { idleTimeout: '5s', absoluteTimeout: '1s' } }, /at least idleTimeout/],
    [{ policy: { maxPerUser: 60 } }, /maxPerUser/],
    [{ logout: { method: 'GET', path: '/logout' } }, /state change/],
    [{ write: { path: '/w', body: [1] } }, /write.body/],
  ])('refuses %j', (patch, message) => {
    expect(() => parseTarget({ ...base(), ...patch })).toThrow(message)
  })
})

describe('audit CLI', () => {
  it('refuses to run without --i-am-authorised (exit 2, nothing sent)', async () => {
    const errors: string[] = []
    const code = await audit(
      ['--target', MINI],
      () => {},
      (s) => errors.push(s),
    )
    expect(code).toBe(2)
    expect(errors.join('\n')).toMatch(/--i-am-authorised/)
  })
  it('refuses unknown options and shows usage on --help', async () => {
    expect(() => parseAuditArgs(['--target', MINI, '--i-am-authorized', '--fast'])).toThrow(
      /unknown option "--fast"/,
    )
    expect(() => parseAuditArgs(['--budget', '3'])).toThrow(/--budget/)
    const out: string[] = []
    expect(
      await audit(
        ['--help'],
        (s) => out.push(s),
        () => {},
      ),
    ).toBe(0)
    expect(out[0]).toBe(AUDIT_USAGE)
  })
})

/**
 * A fixed byte stream (SHA-256 of `seed:counter`): these tests are about the analysis, not the
 * CSPRNG, and random input fails the statistics by chance on a correct implementation (the
 * FIPS 140-2 battery ~6e-4 of blocks, the per-bit monobit ~7e-4 of 80-token samples, a second
 * bit fixed in 20 tokens ~5e-4), so every sample here is the same on every run.
 */
function seededBytes(seed: string): (n: number) => Buffer {
  let counter = 0
  return (n) => {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i += 32)
      createHash('sha256').update(`${seed}:${counter++}`).digest().copy(out, i)
    return out
  }
}

describe('randomness analysis', () => {
  it('passes the FIPS 140-2 battery on random-looking bits and fails biased bits', () => {
    const bytesOf = seededBytes('fips')
    const bits = (bytes: Buffer) =>
      Uint8Array.from({ length: 20_000 }, (_, i) => (bytes[i >> 3]! >> (7 - (i & 7))) & 1)
    const good = fipsBlock(bits(bytesOf(2500)))
    expect([good.monobit.pass, good.poker.pass, good.runs.pass, good.longRun.pass]).toEqual([
      true,
      true,
      true,
      true,
    ])
    const biased = Buffer.from(bytesOf(2500).map((b, i) => (i % 2 ? b | 0x81 : b)))
    expect(fipsBlock(bits(biased)).monobit.pass).toBe(false)
  })
  it('judges a statistics failure only when two fresh samples fail too', async () => {
    const bytesOf = seededBytes('judge')
    // 62.5 % ones: every bit still varies across the sample, but the monobit test fails.
    const biased = () =>
      Array.from({ length: 80 }, () => {
        const [a, b, c] = [bytesOf(32), bytesOf(32), bytesOf(32)]
        return Buffer.from(a.map((x, i) => x | (b[i]! & c[i]!))).toString('base64url')
      })
    const random = () => Array.from({ length: 80 }, () => bytesOf(32).toString('base64url'))
    const judged = async (first: string[], fresh: () => string[], strict = true) => {
      const out = new Findings()
      let draws = 0
      await judgeSample(
        out,
        'ID',
        first,
        async () => {
          draws++
          return fresh()
        },
        [],
        strict,
      )
      return { verdict: out.verdict, draws, evidence: out.evidence.join('\n') }
    }
    const bad = await judged(biased(), biased)
    expect([bad.verdict, bad.draws]).toEqual(['FAIL', 2])
    expect(bad.evidence).toMatch(
      /FAIL: ID: the first sample failed too: FIPS 140-2 block 1 monobit/,
    )
    const chance = await judged(biased(), random)
    expect([chance.verdict, chance.draws]).toEqual(['PASS', 1])
    expect(chance.evidence).toMatch(/note: ID: the first sample failed FIPS 140-2 block 1 monobit/)
    // Two chance failures in a row still pass when the third sample is clean.
    let calls = 0
    const twice = await judged(biased(), () => (calls++ === 0 ? biased() : random()))
    expect([twice.verdict, twice.draws]).toEqual(['PASS', 2])
    expect(twice.evidence).toMatch(/note: ID: the fresh sample too failed FIPS 140-2/)
    // A shorter fresh sample (a target that limits sign-ins) cannot clear a failing one.
    const short = await judged(biased(), () => random().slice(0, 20))
    expect([short.verdict, short.draws]).toEqual(['FAIL', 1])
    expect(short.evidence).toMatch(/a fresh sample had only 20 tokens \(the first 80\)/)
    // A CSRF token's expiry is a note, not structure that fails: its sample is still retested.
    const stamped = (tokens: string[]) =>
      tokens.map((t) => {
        const at = Buffer.alloc(5)
        at.writeUInt32BE(Math.floor(Date.now() / 1000), 1)
        return Buffer.concat([at, Buffer.from(t, 'base64url')]).toString('base64url')
      })
    const csrf = await judged(stamped(biased()), () => stamped(random()), false)
    expect([csrf.verdict, csrf.draws]).toEqual(['PASS', 1])
    expect(csrf.evidence).toMatch(/Unix time \(s\) at byte 1/)
    // Structure is not chance: a failing sample with a duplicate is not retested.
    const duplicated = biased()
    duplicated[1] = duplicated[0]!
    const dup = await judged(duplicated, random)
    expect([dup.verdict, dup.draws]).toEqual(['FAIL', 0])
    const clean = await judged(random(), biased)
    expect([clean.verdict, clean.draws]).toEqual(['PASS', 0])
  })
  it('finds structure: fixed bits, too few varying bits, a user name', () => {
    const counter = Array.from({ length: 80 }, (_, i) => `alice-${String(i).padStart(8, '0')}`)
    const a = analyseTokens(counter, ['alice'])
    expect(a.varyingBits).toBeLessThan(128)
    expect(a.userData).toEqual(['alice'])
    const bytesOf = seededBytes('structure')
    const random = Array.from({ length: 80 }, () => bytesOf(32).toString('base64url'))
    const r = analyseTokens(random, ['bob'])
    expect([r.varyingBits, r.fips?.blocks, r.fips?.failed, r.userData]).toEqual([256, 1, [], []])
    expect(r.fixedByChance).toBe(1) // nothing fixed: nothing to explain
    expect(a.fixedByChance).toBeLessThan(1e-100)
  })
  it('tells a bit fixed by chance in a small sample from structure', () => {
    // 20 random 256-bit IDs with one bit forced to 1 in all of them: chance does that once in
    // ~2,000 samples, so it is a note; a fixed byte (8 bits) is structure. (Fixed samples: with
    // random ones a second bit is the same in all 20 by chance once in ~2,000 runs, and two
    // fixed bits are rightly more than chance explains.)
    const bytesOf = seededBytes('fixed-bits')
    const ids = (mask: number) =>
      Array.from({ length: 20 }, () => {
        const b = bytesOf(32)
        b[0] = b[0]! | mask
        return b.toString('base64url')
      })
    const one = analyseTokens(ids(0x80), [])
    expect(one.bits - one.varyingBits).toBe(1)
    expect(one.fixedByChance).toBeGreaterThan(1e-6)
    const byte = analyseTokens(ids(0xff), [])
    expect(byte.bits - byte.varyingBits).toBe(8)
    expect(byte.fixedByChance).toBeLessThan(1e-20)
    expect(binomialTail(256, 2 ** -19, 1)).toBeCloseTo(256 * 2 ** -19, 6)
    expect(binomialTail(256, 2 ** -19, 0)).toBe(1)
    expect(binomialTail(8, 0.5, 8)).toBeCloseTo(1 / 256, 12)
  })
  it('decodes signed cookies and structured tokens to their secret part', () => {
    const id = randomBytes(24).toString('base64url')
    expect(decodeToken(`s%3A${id}.c2lnbmF0dXJl`).bytes.length).toBe(24)
    expect(
      decodeToken(`tsr1.${'A'.repeat(22)}.3.${randomBytes(32).toString('base64url')}`).bytes.length,
    ).toBe(32)
    expect(fingerprint('secret')).toMatch(/^#[0-9a-f]{12}$/)
    expect(fingerprint('secret')).not.toContain('secret')
  })
})

describe('the timeouts check on a stalled auditor', () => {
  it('does not blame the absolute timeout for its own pause past the idle timeout', async () => {
    const app = await startMiniApp()
    try {
      const target = { ...loadTarget(MINI), baseUrl: app.url, origin: app.url }
      // The busy session reads every 500 ms (a tenth of the 5 s absolute timeout); its second
      // wait stalls 2.6 s, past the 2 s idle timeout, as a loaded machine might.
      let busyWaits = 0
      const sleep = (ms: number) =>
        new Promise<void>((r) => setTimeout(r, ms === 500 && ++busyWaits === 2 ? 2600 : ms))
      const report = await runAudit({ target, authorised: true, only: ['timeouts'], sleep })
      const [result] = report.results
      expect(busyWaits).toBeGreaterThan(2)
      expect(result!.evidence.join('\n')).toMatch(/the auditor paused \d+ ms between two reads/)
      expect(result!.verdict, result!.evidence.join('\n')).toBe('PASS')
    } finally {
      await app.close()
    }
  })
})

describe('the idle check on an oversleeping auditor', () => {
  it('does not credit the target with a timeout it does not keep', async () => {
    const app = await startMiniApp() // enforces a 2 s idle timeout
    try {
      const base = loadTarget(MINI)
      // Declared 1 s: a correct audit FAILs (still signed in after 1.5 s of silence). Its first
      // wait oversleeps by 3 s, when even the 2 s timeout has passed: that run must not count.
      const target = {
        ...base,
        baseUrl: app.url,
        origin: app.url,
        policy: { ...base.policy, idleTimeoutMs: 1000, absoluteTimeoutMs: null },
      }
      let waits = 0
      const sleep = (ms: number) =>
        new Promise<void>((r) => setTimeout(r, ++waits === 1 ? ms + 3000 : ms))
      const report = await runAudit({ target, authorised: true, only: ['timeouts'], sleep })
      const evidence = report.results[0]!.evidence.join('\n')
      expect(evidence).toMatch(/the auditor overslept \(\d+ ms of silence instead of 1500 ms\)/)
      expect(report.results[0]!.verdict, evidence).toBe('FAIL')
      expect(evidence).toMatch(
        /idle: still signed in after \d+ ms without requests \(declared 1000 ms\)/,
      )
    } finally {
      await app.close()
    }
  })
})

describe('--long', () => {
  it('waits for policy.long, and skips the timeout check when the target declares none', async () => {
    const app = await startMiniApp()
    try {
      const target = { ...loadTarget(MINI), baseUrl: app.url, origin: app.url }
      const report = await runAudit({ target, authorised: true, long: true, only: ['timeouts'] })
      expect(report.timeouts).toEqual({ idleMs: null, absoluteMs: null, long: true })
      expect(report.results.map((r) => r.verdict)).toEqual(['SKIP'])
      expect(report.results[0]!.evidence.join()).toMatch(/no policy.long idleTimeout/)
    } finally {
      await app.close()
    }
  })
})

import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MiniApp, startMiniApp } from './targets/mini-app.js'

// The bin as users run it (a child process), against mini apps served by this test.
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'audit', ...args],
      { cwd: process.cwd() },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    )
  })
}

let dir: string
let good: MiniApp
let flawed: MiniApp
const targetFor = async (app: MiniApp, name: string) => {
  const raw = JSON.parse(await readFile('test/audit/targets/mini.json', 'utf8'))
  const file = join(dir, `${name}.json`)
  await writeFile(file, JSON.stringify({ ...raw, baseUrl: app.url }))
  return file
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-audit-'))
  ;[good, flawed] = await Promise.all([startMiniApp(), startMiniApp('logout-cookie-only')])
})
afterAll(async () => {
  await Promise.all([good.close(), flawed.close()])
  await rm(dir, { recursive: true, force: true })
})

describe('npx tessera-session audit', () => {
  it('exits 1 on a FAIL and writes SARIF 2.1.0 with the failing rule as an error', async () => {
    const sarif = join(dir, 'out.sarif')
    const r = await cli([
      '--target',
      await targetFor(flawed, 'flawed'),
      '--i-am-authorised',
      '--only',
      'logout,csrf',
      '--sarif',
      sarif,
      '--quiet',
    ])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL {2}logout/)
    expect(r.stdout).toMatch(/PASS {2}csrf/)
    const log = JSON.parse(await readFile(sarif, 'utf8'))
    expect(log.version).toBe('2.1.0')
    const results = log.runs[0].results as { ruleId: string; level: string; kind: string }[]
    expect(results.map((x) => [x.ruleId, x.kind, x.level])).toEqual([
      ['logout', 'fail', 'error'],
      ['csrf', 'pass', 'none'],
    ])
  })

  it('exits 0 without a FAIL, prints JSON with --json, progress on stderr, and never a raw token', async () => {
    const r = await cli([
      '--target',
      await targetFor(good, 'good'),
      '--i-am-authorised',
      '--json',
      '--rate',
      '1000',
    ])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.results).toHaveLength(14)
    expect(r.stderr).toMatch(/\[14\/14\] cap/)
    // Session IDs, CSRF and refresh tokens are 43+ base64url characters; reports show hashes.
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/[A-Za-z0-9_-]{40,}/)
    expect(r.stdout).toMatch(/#[0-9a-f]{12}/)
  })

  it('stops at the request budget: the check that hits it is SKIP, nothing beyond is sent', async () => {
    const args = ['--target', await targetFor(good, 'budget'), '--i-am-authorised', '--json']
    const r = await cli([...args, '--budget', '60', '--only', 'id-quality,logout', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.requests).toBe(60)
    expect(report.results.map((x: { verdict: string }) => x.verdict)).toEqual(['SKIP', 'SKIP'])
    expect(report.results[0].evidence.join()).toMatch(/request budget of 60 spent/)
  })

  it('exits 2 with a clear message for a target with an unknown key', async () => {
    const file = join(dir, 'typo.json')
    const raw = JSON.parse(await readFile('test/audit/targets/mini.json', 'utf8'))
    await writeFile(file, JSON.stringify({ ...raw, protectd: {} }))
    const r = await cli(['--target', file, '--i-am-authorised'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown option "protectd": did you mean "protected"/)
  })
})

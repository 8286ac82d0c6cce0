import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../app/config.js'
import { startHttps } from '../../app/https.js'
import { type App, buildApp } from '../../app/server.js'
import { selfSignedCertificate } from '../../src/https/self-signed.js'
import { freePort } from './helpers.js'

// The reference app over HTTPS (a self-signed certificate the auditor's child process trusts
// through NODE_EXTRA_CA_CERTS): the checks that differ on HTTPS, HSTS above all, pass.
let dir: string
let app: App
let servers: Server[] = []
let target: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-audit-https-'))
  const { cert, key } = selfSignedCertificate({ hosts: ['127.0.0.1'] })
  await writeFile(join(dir, 'cert.pem'), cert)
  await writeFile(join(dir, 'key.pem'), key)
  const port = await freePort()
  const url = `https://127.0.0.1:${port}`
  const config = loadConfig({
    STORE_URL: 'memory:',
    HOST: '127.0.0.1',
    PORT: String(port),
    HTTPS: '1',
    TLS_CERT: join(dir, 'cert.pem'),
    TLS_KEY: join(dir, 'key.pem'),
    ORIGIN: url,
    LOG_LEVEL: 'silent',
    SESSION_IDLE_TIMEOUT: '2s',
    SESSION_ABSOLUTE_TIMEOUT: '6s',
  })
  app = await buildApp(config, { scryptCost: 1024 })
  servers = (await startHttps(app, config, { HTTP_PORT: 'off' })).servers
  const raw = parse(await readFile('examples/audit/tessera-bank.yaml', 'utf8'))
  target = join(dir, 'target.json')
  await writeFile(target, JSON.stringify({ ...raw, baseUrl: url }))
})

afterAll(async () => {
  for (const s of servers) s.close()
  await app?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the reference app over HTTPS', () => {
  it('passes cookie-attributes, logout, csrf and headers, with HSTS checked', async () => {
    const only = 'cookie-attributes,logout,csrf,headers'
    const args = ['--import', 'tsx', 'src/cli/index.ts', 'audit', '--target', target]
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [...args, '--i-am-authorised', '--only', only, '--json', '--rate', '1000', '--quiet'],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    )
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as {
      results: { id: string; verdict: string; evidence: string[] }[]
    }
    expect(report.results.map((x) => [x.id, x.verdict])).toEqual(
      only.split(',').map((id) => [id, 'PASS']),
    )
    const headers = report.results.find((x) => x.id === 'headers')!
    expect(headers.evidence.join('\n')).toMatch(/ok: HSTS max-age=\d+/)
  })
})

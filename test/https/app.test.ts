import { type ChildProcess, spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { afterAll, describe, expect, it } from 'vitest'

// `HTTPS=1 npm start`, as REFERENCE_APP.md describes it: the real entry point in a child
// process, a self-signed certificate made at start, and the plain-HTTP redirector.

const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill('SIGTERM')
})

/** Starts app/main.ts; resolves its first stdout line, or its exit code and stderr. */
function start(
  env: Record<string, string>,
): Promise<{ line: string } | { code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { PATH: process.env.PATH, STORE_URL: 'memory:', PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  return new Promise((resolve) => {
    let out = ''
    let err = ''
    child.stderr!.on('data', (c: Buffer) => {
      err += c
    })
    child.stdout!.on('data', (c: Buffer) => {
      out += c
      const nl = out.indexOf('\n')
      if (nl !== -1) resolve({ line: out.slice(0, nl) })
    })
    child.on('exit', (code) => resolve({ code, stderr: err }))
  })
}

function fetchRaw(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; san?: string }> {
  const u = new URL(url)
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      // The certificate was made by the child at start; the test checks it by hand below.
      { host: u.hostname, port: u.port, path: u.pathname, method, rejectUnauthorized: false },
      (res) => {
        res.resume()
        const socket = res.socket as TLSSocket
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          san: socket.getPeerCertificate?.().subjectaltname,
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('the reference app with HTTPS=1', () => {
  it('serves HTTPS with a self-signed certificate and redirects plain HTTP', async () => {
    const r = await start({ HTTPS: '1', HTTP_PORT: '0' })
    expect('line' in r, JSON.stringify(r)).toBe(true)
    const msg = (JSON.parse((r as { line: string }).line) as { msg: string }).msg
    const [, httpsUrl, httpUrl] = /listening on (https:\/\/\S+) \((http:\/\/\S+) redirects\)/.exec(
      msg,
    )!
    const ok = await fetchRaw(`${httpsUrl}/healthz`)
    expect(ok.status).toBe(200)
    expect(ok.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/)
    expect(ok.san).toContain('IP Address:127.0.0.1')
    const page = await fetchRaw(`${httpUrl}/account`)
    expect(page.status).toBe(301)
    expect(page.headers.location).toBe(`${httpsUrl}/account`)
    const api = await fetchRaw(`${httpUrl}/api/csrf`)
    expect(api.status).toBe(403)
    expect(api.headers['set-cookie']).toBeUndefined()
  })

  it('refuses to start in production over plain HTTP, naming the variable', async () => {
    const r = await start({ NODE_ENV: 'production' })
    expect(r).toMatchObject({ code: 2 })
    expect((r as { stderr: string }).stderr).toMatch(
      /^tessera-bank: HTTPS=0 is invalid: .*plain HTTP/,
    )
  })

  it('refuses a certificate without its key, naming the missing variable', async () => {
    const r = await start({ HTTPS: '1', TLS_CERT: '/etc/hostname' })
    expect(r).toMatchObject({ code: 2 })
    expect((r as { stderr: string }).stderr).toMatch(/TLS_KEY is missing/)
  })
})

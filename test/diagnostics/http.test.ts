import { once } from 'node:events'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nodeHandler } from '../../src/adapters/node/index.js'
import { createSessions } from '../../src/core/manager.js'
import type { SessionStore } from '../../src/core/store.js'
import { csrf } from '../../src/csrf/plugin.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { redisStore } from '../../src/stores/redis/index.js'

// Diagnostics seen from outside, over real HTTP through the node adapter: what a developer
// gets in the response body and on stderr, and what production keeps to itself.

const ORIGIN = 'https://bank.example'
const servers: Server[] = []
const stores: SessionStore[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
  for (const s of stores.splice(0)) await s.close()
})

async function serve(production: boolean, store: SessionStore = memoryStore({ quiet: true })) {
  stores.push(store)
  const sessions = createSessions({ store, production })
  const handler = nodeHandler(
    sessions,
    async (req, res) => {
      if (req.url === '/login') await req.session.regenerate({ userId: 'alice' })
      res.end('ok')
    },
    { plugins: [csrf({ sessions, origins: [ORIGIN], exemptPaths: ['/login'] })] },
  )
  const server = createServer(handler)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

function send(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function stderr(): string[] {
  const lines: string[] = []
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)))
  return lines
}

describe('a CSRF refusal', () => {
  it('in development names the reason and the origin seen, in the body and once on stderr', async () => {
    const lines = stderr()
    const port = await serve(false)
    const forged = { origin: 'https://evil.example', host: 'localhost' }
    const first = await send(port, '/transfer', forged)
    await send(port, '/transfer', forged)
    expect(first.status).toBe(403)
    expect(JSON.parse(first.body).error).toMatchObject({
      code: 'ERR_CSRF',
      message: 'request refused',
      reason: 'origin_mismatch',
      detail: expect.stringContaining('"https://evil.example"'),
    })
    expect(lines.filter((l) => l.includes('origin_mismatch'))).toHaveLength(1)
  })

  it('in production stays the bare "request refused" and writes nothing', async () => {
    const lines = stderr()
    const port = await serve(true)
    const reply = await send(port, '/transfer', {
      'sec-fetch-site': 'cross-site',
      host: 'localhost',
    })
    expect(reply.status).toBe(403)
    expect(JSON.parse(reply.body)).toEqual({
      error: { code: 'ERR_CSRF', message: 'request refused' },
    })
    expect(lines).toEqual([])
  })
})

describe('a Secure cookie over plain HTTP', () => {
  it('to a non-loopback host is warned about once', async () => {
    const lines = stderr()
    const port = await serve(false)
    await send(port, '/login', { host: 'bank.example' })
    await send(port, '/login', { host: 'bank.example' })
    expect(lines.filter((l) => l.includes('Secure session cookie'))).toEqual([
      expect.stringContaining('"bank.example"'),
    ])
  })

  it('to localhost is not warned about', async () => {
    const lines = stderr()
    const port = await serve(false)
    await send(port, '/login', { host: `localhost:${port}` })
    expect(lines).toEqual([])
  })
})

describe('a store on a wrong port', () => {
  it('answers 503, and stderr names its address in development', async () => {
    const lines = stderr()
    const store = redisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 })
    const port = await serve(false, store)
    // A cookie makes the pipeline read the store.
    const cookie = `__Host-sid=${'A'.repeat(43)}`
    const reply = await send(port, '/page', { cookie, host: 'localhost', origin: ORIGIN })
    expect(reply.status).toBe(503)
    expect(lines.join('\n')).toContain('redis://127.0.0.1:1 did not answer')
  })
})

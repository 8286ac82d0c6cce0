import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeHandler } from '../../src/adapters/node/index.js'
import { createSessions } from '../../src/core/manager.js'
import { csrf } from '../../src/csrf/index.js'
import { compileCsp } from '../../src/headers/csp.js'
import { SECURITY_HEADERS, securityHeaders } from '../../src/headers/index.js'
import { createPipeline } from '../../src/pipeline/pipeline.js'
import type { RequestContext } from '../../src/pipeline/types.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { type RunningApp, startApp } from '../helpers/client.js'
import { rawRequest } from '../helpers/raw-http.js'

// Every response carries the security headers: 200, 3xx, 4xx (404, CSRF 403) and 5xx,
// through the node adapter on a real loopback server.

const EXPECTED: Record<string, string | RegExp> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': /camera=\(\)/,
  'x-xss-protection': '0',
  'content-security-policy':
    /^default-src 'self'; script-src 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$/,
}

type Headers = Record<string, string | string[] | undefined>

function expectSecurityHeaders(h: Headers): void {
  for (const [name, want] of Object.entries(EXPECTED)) {
    const got = h[name]
    expect(typeof got, name).toBe('string')
    if (typeof want === 'string') expect(got, name).toBe(want)
    else expect(got, name).toMatch(want)
  }
  expect(h['x-powered-by']).toBeUndefined()
}

function nonceOf(h: Headers): string {
  return /'nonce-([^']+)'/.exec(String(h['content-security-policy']))![1]!
}

const get = (port: number, path: string, method = 'GET', headers: Record<string, string> = {}) =>
  rawRequest(port, method, path, headers)

describe('the security headers on the reference app', () => {
  let running: RunningApp
  let port: number
  beforeAll(async () => {
    running = await startApp({ ORIGIN: 'https://bank.example', TRUST_PROXY: '127.0.0.1' })
    port = (running.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await running.close()
  })

  it('are on 200, 401, 404, 405 and CSRF 403 responses', async () => {
    const cases: Array<[string, string, number]> = [
      ['GET', '/healthz', 200],
      ['GET', '/api/me', 401],
      ['GET', '/nope', 404],
      // A safe method the route does not serve: CSRF lets it through, the router answers 405.
      ['OPTIONS', '/healthz', 405],
      ['POST', '/api/transfer', 403],
    ]
    for (const [method, path, status] of cases) {
      const r = await get(port, path, method)
      expect(r.status, `${method} ${path}`).toBe(status)
      expectSecurityHeaders(r.headers)
      if (status === 405) expect(r.headers.allow).toBe('GET')
    }
  })

  it('put a fresh nonce on every response', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) seen.add(nonceOf((await get(port, '/healthz')).headers))
    expect(seen.size).toBe(20)
    for (const n of seen) expect(Buffer.from(n, 'base64')).toHaveLength(16)
  })

  it('send HSTS only when the request came over HTTPS', async () => {
    const plain = await get(port, '/healthz')
    expect(plain.headers['strict-transport-security']).toBeUndefined()
    const viaProxy = await get(port, '/healthz', 'GET', { 'x-forwarded-proto': 'https' })
    expect(viaProxy.headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    )
  })
})

describe('the security headers on redirects and server errors', () => {
  const sessions = createSessions({ store: memoryStore() })
  const nonces: string[] = []
  const pipeline = createPipeline(sessions, [
    securityHeaders(),
    csrf({ sessions, origins: ['https://bank.example'] }),
  ])
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createServer(
      nodeHandler(pipeline, (req, res) => {
        const ctx: RequestContext = req.tessera
        nonces.push(ctx.locals.cspNonce!)
        if (ctx.input.path === '/redirect') {
          res.statusCode = 303
          res.setHeader('location', '/')
          res.end()
          return
        }
        if (ctx.input.path === '/boom') throw new Error('handler failed')
        if (ctx.input.path === '/unavailable') {
          res.statusCode = 503
          res.end('down')
          return
        }
        res.end(`<script nonce="${ctx.locals.cspNonce}"></script>`)
      }),
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  it('are on 303, 500 and 503 responses too', async () => {
    const orig = console.error
    console.error = () => {}
    try {
      for (const [path, status] of [
        ['/redirect', 303],
        ['/boom', 500],
        ['/unavailable', 503],
      ] as const) {
        const r = await get(port, path)
        expect(r.status, path).toBe(status)
        expectSecurityHeaders(r.headers)
      }
    } finally {
      console.error = orig
    }
  })

  it('give the handler the same nonce the CSP header announces', async () => {
    const r = await get(port, '/page')
    expect(r.body).toBe(`<script nonce="${nonceOf(r.headers)}"></script>`)
    expect(nonces.at(-1)).toBe(nonceOf(r.headers))
  })
})

describe('the security headers when the session store is down', () => {
  it('are on the fail-closed 503 too, with no cookie set', async () => {
    const store = memoryStore()
    store.get = async () => {
      throw new Error('connection refused')
    }
    store.getSync = () => {
      throw new Error('connection refused')
    }
    const sessions = createSessions({ store })
    let ran = false
    const server = createServer(
      nodeHandler(createPipeline(sessions, [securityHeaders()]), (_req, res) => {
        ran = true
        res.end('x')
      }),
    )
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const r = await get(port, '/', 'GET', { cookie: `__Host-sid=${'a'.repeat(43)}` })
      expect(r.status).toBe(503)
      expect(ran).toBe(false)
      expectSecurityHeaders(r.headers)
      expect(r.headers['set-cookie']).toBeUndefined()
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})

describe('overriding the defaults', () => {
  function headersOf(plugin: ReturnType<typeof securityHeaders>, secure = false) {
    const ctx = {
      input: { secure, method: 'GET', path: '/', query: '', header: () => undefined },
      locals: {},
    } as unknown as RequestContext
    plugin.onRequest?.(ctx)
    const out: Array<[string, string]> = []
    plugin.headers!(ctx, out)
    return Object.fromEntries(out)
  }

  it('keeps the defaults as data in one object', () => {
    expect(SECURITY_HEADERS.hsts).toMatch(/max-age=(\d+)/)
    expect(Number(/max-age=(\d+)/.exec(SECURITY_HEADERS.hsts)![1])).toBeGreaterThanOrEqual(
      365 * 24 * 3600,
    )
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true)
  })

  it('replaces, adds and removes single headers', () => {
    const h = headersOf(
      securityHeaders({
        headers: {
          'x-xss-protection': false,
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'SAMEORIGIN',
        },
      }),
    )
    expect(h['x-xss-protection']).toBeUndefined()
    expect(h['x-frame-options']).toBe('SAMEORIGIN')
    expect(h['referrer-policy']).toBe('no-referrer')
    expect(h['x-content-type-options']).toBe('nosniff')
  })

  it('sends X-Frame-Options: DENY beside CSP frame-ancestors, and leaves out CORP', () => {
    const h = headersOf(securityHeaders())
    // Clickjacking: CSP frame-ancestors for current browsers, the legacy header for older
    // clients and scanners. Cross-origin reads are covered by the browser's ORB.
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(h['x-frame-options']).toBe('DENY')
    expect(h['cross-origin-resource-policy']).toBeUndefined()
    expect(Object.keys(h).sort()).toEqual([
      'content-security-policy',
      'cross-origin-opener-policy',
      'permissions-policy',
      'referrer-policy',
      'x-content-type-options',
      'x-frame-options',
      'x-xss-protection',
    ])
  })

  it('merges CSP directives, removes one with null, and can be switched to report-only', () => {
    const h = headersOf(
      securityHeaders({
        csp: { 'img-src': ["'self'", 'https://img.example'], 'form-action': null },
        cspReportOnly: true,
      }),
    )
    expect(h['content-security-policy']).toBeUndefined()
    const csp = h['content-security-policy-report-only']!
    expect(csp).toContain("img-src 'self' https://img.example")
    expect(csp).not.toContain('form-action')
    expect(csp).toContain("script-src 'nonce-")
  })

  it('can drop CSP or HSTS entirely, or change HSTS', () => {
    expect(headersOf(securityHeaders({ csp: false }))['content-security-policy']).toBeUndefined()
    expect(headersOf(securityHeaders({ hsts: false }), true)['strict-transport-security']).toBe(
      undefined,
    )
    expect(
      headersOf(securityHeaders({ hsts: 'max-age=63072000; includeSubDomains; preload' }), true)[
        'strict-transport-security'
      ],
    ).toBe('max-age=63072000; includeSubDomains; preload')
  })

  it('refuses header injection and malformed values at start-up', () => {
    expect(() => securityHeaders({ headers: { 'x-a': 'ok\r\nset-cookie: x=1' } })).toThrow(
      /invalid value/,
    )
    expect(() => securityHeaders({ headers: { 'X-Upper': 'v' } })).toThrow(/lower-case/)
    expect(() => securityHeaders({ headers: { 'bad name': 'v' } })).toThrow(/lower-case/)
    expect(() => securityHeaders({ hsts: 'includeSubDomains' })).toThrow(/max-age/)
    expect(() => securityHeaders({ csp: { 'script-src': ["'self'; report-uri x"] } })).toThrow(
      /not valid/,
    )
    expect(() => securityHeaders({ csp: { 'Script Src': ["'self'"] } })).toThrow(
      /unknown option "Script Src"/,
    )
    expect(() => compileCsp({ 'img-src': ['a,b'] })).toThrow(/not valid/)
  })

  it('gives a response a nonce even when an earlier plugin refused before its onRequest', () => {
    const plugin = securityHeaders()
    const ctx = {
      input: { secure: false, header: () => undefined },
      locals: {},
    } as unknown as RequestContext
    const out: Array<[string, string]> = []
    plugin.headers!(ctx, out)
    expect(Object.fromEntries(out)['content-security-policy']).toContain(
      `'nonce-${ctx.locals.cspNonce}'`,
    )
  })
})

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { nodeHandler, type SessionRequest } from '../../src/adapters/node/index.js'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions } from '../../src/core/manager.js'
import { csrf, verifyCsrf } from '../../src/csrf/index.js'
import { securityHeaders } from '../../src/headers/index.js'
import { createPipeline } from '../../src/pipeline/pipeline.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { rawRequest } from '../helpers/raw-http.js'

// Form posts carry the token in a `csrf` field, which the route passes to verifyCsrf(); bearer
// requests are exempt; trusted sibling origins open `Sec-Fetch-Site: same-site`.

const ORIGIN = 'https://bank.example'
const SIBLING = 'https://pay.bank.example'
const sessions = createSessions({ store: memoryStore() })
const pipeline = createPipeline(sessions, [
  securityHeaders(),
  csrf({
    sessions,
    origins: [ORIGIN],
    trustedOrigins: [SIBLING],
    deferForms: (input) => input.path.startsWith('/form/'),
  }),
])
let server: Server
let port: number
let ran: string[] = []
let events: SessionEvent[] = []

async function readBody(req: SessionRequest): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

const handler = nodeHandler(pipeline, async (req, res) => {
  const path = req.tessera.input.path
  if (path === '/token') {
    const token = req.tessera.locals.csrfToken!()
    res.setHeader('content-type', 'text/plain')
    res.end(token)
    return
  }
  if (path.startsWith('/form/') && path !== '/form/forgetful') {
    const form = new URLSearchParams(await readBody(req))
    try {
      verifyCsrf(req.tessera, form.get('csrf'))
    } catch {
      res.statusCode = 403
      res.end('refused')
      return
    }
  }
  ran.push(`${req.method} ${path}`)
  res.end('done')
})

interface Reply {
  status: number
  body: string
  setCookie: string[] | undefined
}

async function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const r = await rawRequest(port, method, path, headers, body)
  return { status: r.status, body: r.body, setCookie: r.headers['set-cookie'] }
}

async function preSession(): Promise<{ cookie: string; token: string }> {
  const r = await send('GET', '/token')
  return { cookie: r.setCookie![0]!.split(';')[0]!, token: r.body }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

beforeAll(async () => {
  sessions.on((e) => events.push(e))
  server = createServer(handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await sessions.close()
})
beforeEach(() => {
  ran = []
  events = []
})

describe('a form post whose route verifies the csrf field', () => {
  it('runs with a valid token in the form field', async () => {
    const s = await preSession()
    const r = await send(
      'POST',
      '/form/transfer',
      { ...FORM, cookie: s.cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
      `to=bob&amount=1&csrf=${encodeURIComponent(s.token)}`,
    )
    expect(r).toMatchObject({ status: 200, body: 'done' })
    expect(ran).toEqual(['POST /form/transfer'])
  })

  it('is refused without the field, with an empty or altered one, and with one in the query only', async () => {
    const s = await preSession()
    const altered = (s.token[0] === 'A' ? 'B' : 'A') + s.token.slice(1)
    const bodies = ['to=bob', 'to=bob&csrf=', `to=bob&csrf=${altered}`]
    for (const body of bodies) {
      const r = await send('POST', '/form/transfer', { ...FORM, cookie: s.cookie }, body)
      expect(r.status).toBe(403)
    }
    const q = await send(
      'POST',
      `/form/transfer?csrf=${encodeURIComponent(s.token)}`,
      { ...FORM, cookie: s.cookie },
      'to=bob',
    )
    expect(q.status).toBe(403)
    expect(ran).toEqual([])
    expect(events.filter((e) => e.type === 'malicious_csrf').map((e) => e.reason)).toEqual([
      'token_missing',
      'token_missing',
      'token_invalid',
      'token_missing',
    ])
  })

  it('is refused before the route when the Origin is foreign, even with a valid field', async () => {
    const s = await preSession()
    const r = await send(
      'POST',
      '/form/transfer',
      { ...FORM, cookie: s.cookie, origin: 'https://evil.example' },
      `csrf=${encodeURIComponent(s.token)}`,
    )
    expect(r.status).toBe(403)
    expect(r.body).toContain('ERR_CSRF')
    expect(ran).toEqual([])
  })

  it('is not deferred outside the paths the app marks: the header is required there', async () => {
    const s = await preSession()
    const r = await send(
      'POST',
      '/api/thing',
      { ...FORM, cookie: s.cookie },
      `csrf=${encodeURIComponent(s.token)}`,
    )
    expect(r.status).toBe(403)
    expect(ran).toEqual([])
  })

  it('is not deferred for JSON bodies on marked paths', async () => {
    const s = await preSession()
    const r = await send(
      'POST',
      '/form/transfer',
      { 'content-type': 'application/json', cookie: s.cookie },
      JSON.stringify({ csrf: s.token }),
    )
    expect(r.status).toBe(403)
    expect(r.body).toContain('ERR_CSRF')
  })

  it('makes a route that forgets verifyCsrf say so loudly', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const s = await preSession()
      await send('POST', '/form/forgetful', { ...FORM, cookie: s.cookie }, 'csrf=x')
      expect(spy).toHaveBeenCalledWith(expect.stringContaining('never called verifyCsrf()'))
    } finally {
      spy.mockRestore()
    }
  })
})

describe('bearer requests', () => {
  it('are exempt when no session cookie rides along', async () => {
    const r = await send('POST', '/api/thing', { authorization: 'Bearer abc.def.ghi' })
    expect(r.status).toBe(200)
    expect(ran).toEqual(['POST /api/thing'])
  })

  it('are not exempt when a session cookie is sent too', async () => {
    const s = await preSession()
    const r = await send('POST', '/api/thing', {
      authorization: 'Bearer abc.def.ghi',
      cookie: s.cookie,
    })
    expect(r.status).toBe(403)
    expect(ran).toEqual([])
  })

  it('need the Bearer scheme: Basic credentials are not exempt', async () => {
    const r = await send('POST', '/api/thing', { authorization: 'Basic YTpi' })
    expect(r.status).toBe(403)
  })
})

describe('trusted sibling origins', () => {
  it('open same-site Fetch Metadata to the configured sibling only', async () => {
    const s = await preSession()
    const base = { cookie: s.cookie, 'x-csrf-token': s.token, 'sec-fetch-site': 'same-site' }
    expect((await send('POST', '/api/thing', { ...base, origin: SIBLING })).status).toBe(200)
    expect(
      (await send('POST', '/api/thing', { ...base, origin: 'https://blog.bank.example' })).status,
    ).toBe(403)
    expect(
      (
        await send('POST', '/api/thing', {
          ...base,
          origin: SIBLING,
          'sec-fetch-site': 'cross-site',
        })
      ).status,
    ).toBe(403)
  })
})

describe('configuration', () => {
  it('refuses a missing, empty or malformed origin list at start-up', () => {
    expect(() => csrf({ sessions, origins: [] })).toThrow(/csrf.origins/)
    for (const bad of ['https://bank.example/', 'bank.example', 'https://a.example/path', 'null']) {
      expect(() => csrf({ sessions, origins: [bad] })).toThrow(/is not an origin/)
    }
    expect(() => csrf({ sessions, origins: [ORIGIN], trustedOrigins: ['*'] })).toThrow(
      /trustedOrigins/,
    )
    expect(() => csrf({ sessions, origins: [ORIGIN], header: 'X-Token' })).toThrow(/header/)
  })
})

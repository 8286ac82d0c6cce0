import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressSessions } from '../../src/adapters/express/index.js'
import { fastifySessions } from '../../src/adapters/fastify/index.js'
import { honoSessions } from '../../src/adapters/hono/index.js'
import { nodeHandler } from '../../src/adapters/node/index.js'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import { csrf, verifyCsrf } from '../../src/csrf/index.js'
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.js'
import type { RequestContext } from '../../src/pipeline/types.js'
import { memoryStore } from '../../src/stores/memory/index.js'

// The app of issue 13.7, on each framework: JSON routes under /api/ check nothing themselves
// (they rely on the header token), form routes elsewhere call verifyCsrf — except one that
// forgets to. The documented predicate defers every form post outside /api/.
const ORIGIN = 'https://bank.example'

interface Harness {
  pipeline: Pipeline
  sessions: SessionManager
  events: SessionEvent[]
  /** Handler runs, by route. */
  ran: Record<'transfer' | 'careful' | 'forgetful', number>
}

function harness(): Harness {
  const sessions = createSessions({ store: memoryStore({ quiet: true }) })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  const plugin = csrf({
    sessions,
    origins: [ORIGIN],
    deferForms: (input) => !input.path.startsWith('/api/'),
  })
  return {
    pipeline: createPipeline(sessions, [plugin]),
    sessions,
    events,
    ran: { transfer: 0, careful: 0, forgetful: 0 },
  }
}

// What each route does, framework-neutral; returns the JSON body to send.
const routes = {
  async signIn(ctx: RequestContext) {
    await ctx.session.regenerate({ userId: 'u1', authenticated: true })
    return { token: ctx.locals.csrfToken!() }
  },
  transfer(h: Harness) {
    h.ran.transfer++
    return { ok: true }
  },
  careful(h: Harness, ctx: RequestContext, form: Record<string, string>) {
    verifyCsrf(ctx, form.csrf)
    h.ran.careful++
    return { ok: true }
  },
  forgetful(h: Harness) {
    h.ran.forgetful++
    return { ok: true, secret: 'handler output' }
  },
}

// A deferred route that forgets verifyCsrf and streams its answer (head written by write()).
function streamForgetfully(h: Harness, res: ServerResponse): void {
  h.ran.forgetful++
  res.statusCode = 200
  res.write('handler output, part 1')
  res.end('part 2')
}

type Serve = (h: Harness) => Promise<{ url: string; close(): Promise<void> }>

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return served(server)
}

/** The URL of a listening server, and a close that does not wait for keep-alive sockets. */
function served(server: Server): { url: string; close(): Promise<void> } {
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const serveExpress: Serve = (h) => {
  const app = express()
  app.use(expressSessions(h.pipeline))
  app.use(express.urlencoded({ extended: false }))
  app.get('/signin', async (req, res) => {
    res.json(await routes.signIn(req.tessera))
  })
  app.post('/api/transfer', (_req, res) => {
    res.json(routes.transfer(h))
  })
  app.post('/forms/careful', (req, res) => {
    res.json(routes.careful(h, req.tessera, req.body ?? {}))
  })
  app.post('/forms/forgetful', (_req, res) => {
    res.json(routes.forgetful(h))
  })
  app.post('/forms/streamed', (_req, res) => {
    streamForgetfully(h, res)
  })
  // Express turns the thrown ERR_CSRF into a 500 by default; answer it as the apps do.
  app.use(((error, _req, res, _next) => {
    res.status((error as { status?: number }).status ?? 500).json({ error: 'refused' })
  }) as express.ErrorRequestHandler)
  return listen(createServer(app))
}

const serveFastify: Serve = async (h) => {
  const app = Fastify()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  await app.register(fastifySessions, { sessions: h.pipeline })
  app.get('/signin', (request) => routes.signIn(request.tessera!))
  app.post('/api/transfer', async () => routes.transfer(h))
  app.post('/forms/careful', async (request) =>
    routes.careful(h, request.tessera!, (request.body as Record<string, string>) ?? {}),
  )
  app.post('/forms/forgetful', async () => routes.forgetful(h))
  await app.ready()
  const running = await listen(app.server)
  return { url: running.url, close: () => app.close() }
}

const serveHono: Serve = async (h) => {
  const app = new Hono()
  app.use(honoSessions(h.pipeline))
  app.get('/signin', async (c) => c.json(await routes.signIn(c.get('tessera'))))
  app.post('/api/transfer', (c) => c.json(routes.transfer(h)))
  app.post('/forms/careful', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>
    return c.json(routes.careful(h, c.get('tessera'), form))
  })
  app.post('/forms/forgetful', (c) => c.json(routes.forgetful(h)))
  app.onError((error, c) =>
    c.json({ error: 'refused' }, ((error as { status?: number }).status ?? 500) as 403),
  )
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
  await new Promise<void>((resolve) => server.once('listening', resolve))
  return served(server)
}

async function formOf(req: IncomingMessage): Promise<Record<string, string>> {
  let text = ''
  for await (const chunk of req) text += chunk
  return Object.fromEntries(new URLSearchParams(text))
}

// node:http routes by exact string: neither spelling reaches /api/transfer there, but the
// fail-closed veto applies alike.
const serveNode: Serve = (h) =>
  listen(
    createServer(
      nodeHandler(h.pipeline, async (req, res) => {
        const send = (status: number, body: unknown) => {
          res.statusCode = status
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(body))
        }
        try {
          const path = req.tessera.input.path
          if (path === '/signin') return send(200, await routes.signIn(req.tessera))
          if (path === '/api/transfer') return send(200, routes.transfer(h))
          if (path === '/forms/careful')
            return send(200, routes.careful(h, req.tessera, await formOf(req)))
          if (path === '/forms/forgetful') return send(200, routes.forgetful(h))
          if (path === '/forms/streamed') return streamForgetfully(h, res)
          send(404, { error: 'not found' })
        } catch (error) {
          send((error as { status?: number }).status ?? 500, { error: 'refused' })
        }
      }),
    ),
  )

const FRAMEWORKS: Array<[string, Serve]> = [
  ['Express', serveExpress],
  ['Fastify', serveFastify],
  ['Hono', serveHono],
  ['node:http', serveNode],
]

for (const [name, serveApp] of FRAMEWORKS) {
  describe(`deferred CSRF on ${name}`, () => {
    let h: Harness
    let app: { url: string; close(): Promise<void> }
    let cookie = ''
    let token = ''
    beforeAll(async () => {
      h = harness()
      app = await serveApp(h)
      const res = await fetch(`${app.url}/signin`)
      cookie = res.headers.getSetCookie()[0]!.split(';')[0]!
      token = ((await res.json()) as { token: string }).token
    })
    afterAll(() => app.close())

    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(app.url + path, {
        method: 'POST',
        headers: {
          cookie,
          origin: ORIGIN,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body,
        redirect: 'manual',
      })
    const csrfEvents = () => h.events.filter((e) => e.type === 'malicious_csrf')

    it('reaches the JSON route with the header token (the route is live, as spelt)', async () => {
      const before = h.ran.transfer
      const res = await post('/api/transfer', 'to=bob&amount=1', { 'x-csrf-token': token })
      expect(res.status).toBe(200)
      expect(h.ran.transfer).toBe(before + 1)
    })

    for (const path of ['/api/transfer', '/API/transfer', '/%61pi/transfer', '/%41PI//transfer']) {
      it(`refuses a form post to ${path} without a token before any route runs`, async () => {
        const before = h.ran.transfer
        const events = csrfEvents().length
        const res = await post(path, 'to=mallory&amount=100')
        expect(res.status).toBe(403)
        expect(h.ran.transfer).toBe(before)
        expect(
          csrfEvents()
            .slice(events)
            .map((e) => [e.reason, e.level]),
        ).toEqual([['token_missing', 'critical']])
      })
    }

    it('answers 403 when a deferred form route never verified its token, without its output or cookies', async () => {
      const before = h.ran.forgetful
      const events = csrfEvents().length
      const res = await post('/forms/forgetful', 'x=1')
      const text = await res.text()
      expect(res.status).toBe(403)
      expect(text).not.toContain('handler output')
      // Outside production the body says why (see src/csrf/explain.ts).
      expect(JSON.parse(text)).toEqual({
        error: {
          code: 'ERR_CSRF',
          message: 'request refused',
          reason: 'token_unverified',
          detail: expect.stringContaining('never called verifyCsrf()'),
        },
      })
      expect(res.headers.getSetCookie()).toEqual([])
      // The route did run (its side effects are the route's bug); the answer is a refusal.
      expect(h.ran.forgetful).toBe(before + 1)
      expect(
        csrfEvents()
          .slice(events)
          .map((e) => [e.reason, e.level]),
      ).toEqual([['token_unverified', 'critical']])
    })

    if (name === 'Express' || name === 'node:http') {
      it('cuts off a streamed answer of a deferred route that never verified its token', async () => {
        const reply = await post('/forms/streamed', 'x=1').then(
          async (res) => ({ status: res.status, body: await res.text() }),
          () => null,
        )
        // The connection is dropped before the head: no status, no handler output.
        expect(reply).toBeNull()
        // The server carries on.
        expect((await post('/forms/careful', `csrf=${encodeURIComponent(token)}`)).status).toBe(200)
      })
    }

    it('lets a deferred form route that verifies its token answer normally', async () => {
      const res = await post('/forms/careful', `csrf=${encodeURIComponent(token)}`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true })
      const bad = await post('/forms/careful', 'csrf=nope')
      expect(bad.status).toBe(403)
    })
  })
}

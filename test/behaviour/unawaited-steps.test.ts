// An express-session habit: `req.session.regenerate()` without `await`, then answer at once,
// through each adapter (the issue names Express and Fastify; node:http and Hono share the seam).
// The response must still carry the new cookie (the adapters' commit waits for the step), and
// the store must hold exactly the session that cookie names: no orphan counting against the
// per-user cap. The store's `create` is held until the handler has answered, so the step is
// surely still running when the adapter commits (no timing assumptions).
import { createServer, type Server } from 'node:http'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { fastifySessions } from '../../src/adapters/fastify/index.js'
import { expressSessions } from '../../src/adapters/express/index.js'
import { honoSessions } from '../../src/adapters/hono/index.js'
import { nodeHandler } from '../../src/adapters/node/index.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import type { SessionStore } from '../../src/core/store.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { closeServer, listenLoopback } from './apps/listen.js'

type Held = 'create' | 'destroyByHandle'

/** A memory store where the test can hold the next `create` or `destroyByHandle` until it lets go. */
function heldStore() {
  const inner = memoryStore({ quiet: true })
  let armed: { method: Held; entered: () => void; release: Promise<boolean> } | null = null
  let done: () => void = () => {}
  let finished = Promise.resolve()
  const gate = async (method: Held) => {
    if (armed?.method !== method) return
    const { entered, release } = armed
    armed = null
    entered()
    const fail = await release
    done()
    if (fail) throw new Error('store down')
  }
  const store: SessionStore = {
    ...inner,
    getSync: undefined,
    create: async (record, options) => {
      await gate('create')
      return inner.create(record, options)
    },
    destroyByHandle: async (handle, options) => {
      await gate('destroyByHandle')
      return inner.destroyByHandle(handle, options)
    },
  }
  /** Holds the next call of `method`: `entered` resolves when it waits, `release` lets it go. */
  const hold = (method: Held) => {
    let entered: () => void = () => {}
    let release: (fail: boolean) => void = () => {}
    const waiting = new Promise<void>((r) => {
      entered = r
    })
    armed = { method, entered, release: new Promise<boolean>((r) => (release = r)) }
    finished = new Promise<void>((r) => {
      done = r
    })
    return { entered: waiting, release: (fail = false) => release(fail) }
  }
  /** Resolves once the held call has been let go and its step has had a turn to settle. */
  const settled = () => finished.then(() => new Promise((r) => setImmediate(r)))
  return { store, hold, settled }
}

type Step = 'regenerate' | 'destroy'

interface Served {
  url: string
  sessions: SessionManager
  hold: ReturnType<typeof heldStore>['hold']
  close(): Promise<void>
}

interface Steps {
  regenerate(o: object): Promise<void>
  destroy(): Promise<void>
}

// Every route starts the step and answers without looking at it, as express-session code does.
// Not even a catch: a failing step must neither crash the process (an unhandled rejection) nor
// go unseen. `/<step>` answers at once; `/<step>-late` answers after the step has settled.
async function start(session: Steps, name: string, settled: () => Promise<unknown>) {
  const [step, late] = name.split('-')
  if (step === 'regenerate') void session.regenerate({ userId: 'alice' })
  else void session.destroy()
  if (late) await settled()
}

async function viaExpress(): Promise<Served> {
  const { store, hold, settled } = heldStore()
  const sessions = createSessions({ store, maxSessionsPerUser: 1, limitPolicy: 'reject-new' })
  const app = express()
  app.use(expressSessions(sessions))
  app.post('/:step', async (req, res) => {
    await start(req.session, req.params.step, settled)
    res.json({ ok: true })
  })
  app.get('/who', (req, res) => {
    res.json({ user: req.session.userId })
  })
  const running = await listenLoopback(createServer(app))
  return { url: running.url, sessions, hold, close: () => running.close() }
}

async function viaFastify(): Promise<Served> {
  const { store, hold, settled } = heldStore()
  const sessions = createSessions({ store, maxSessionsPerUser: 1, limitPolicy: 'reject-new' })
  const app = Fastify()
  await app.register(fastifySessions, { sessions })
  app.post<{ Params: { step: string } }>('/:step', async (request) => {
    await start(request.session, request.params.step, settled)
    return { ok: true }
  })
  app.get('/who', async (request) => ({ user: request.session.userId }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, sessions, hold, close: () => app.close() }
}

async function viaNode(): Promise<Served> {
  const { store, hold, settled } = heldStore()
  const sessions = createSessions({ store, maxSessionsPerUser: 1, limitPolicy: 'reject-new' })
  const handler = nodeHandler(sessions, async (req, res) => {
    const path = req.tessera.input.path
    if (req.method === 'POST') await start(req.session, path.slice(1), settled)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(req.method === 'POST' ? { ok: true } : { user: req.session.userId }))
  })
  const running = await listenLoopback(createServer(handler))
  return { url: running.url, sessions, hold, close: () => running.close() }
}

async function viaHono(): Promise<Served> {
  const { store, hold, settled } = heldStore()
  const sessions = createSessions({ store, maxSessionsPerUser: 1, limitPolicy: 'reject-new' })
  const app = new Hono()
  app.use(honoSessions(sessions))
  app.post('/:step', async (c) => {
    await start(c.get('session'), c.req.param('step'), settled)
    return c.json({ ok: true })
  })
  app.get('/who', (c) => c.json({ user: c.get('session').userId }))
  const url = await new Promise<{ url: string; server: Server }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, server: server as Server })
    })
  })
  return { url: url.url, sessions, hold, close: () => closeServer(url.server) }
}

let open: Served | undefined
afterEach(() => open?.close())

const cookieOf = (res: Response) => res.headers.getSetCookie()[0]?.split(';')[0] ?? ''

describe.each([
  ['Express', viaExpress],
  ['Fastify', viaFastify],
  ['node:http', viaNode],
  ['Hono', viaHono],
])('%s: an un-awaited regenerate or destroy', (_name, serve) => {
  /** POSTs `/step` while the store call of the step is held, then lets it go. */
  async function run(
    step: Step | 'regenerate-late',
    held: Held,
    options: { cookie?: string; fail?: boolean } = {},
  ) {
    const gate = open!.hold(held)
    const headers = options.cookie ? { cookie: options.cookie } : undefined
    const pending = fetch(`${open!.url}/${step}`, { method: 'POST', headers })
    await gate.entered
    gate.release(options.fail)
    return pending
  }

  it('sends the new cookie, and the store holds exactly that session', async () => {
    open = await serve()
    const res = await run('regenerate', 'create')
    expect(res.status).toBe(200)
    const cookie = cookieOf(res)
    expect(cookie).toMatch(/^__Host-sid=.{43}$/)
    expect(await open.sessions.admin.list('alice')).toHaveLength(1)
    const who = await fetch(`${open.url}/who`, { headers: { cookie } })
    expect(await who.json()).toEqual({ user: 'alice' })
  })

  it('sends the clearing cookie of a destroy, and the session is gone', async () => {
    open = await serve()
    const cookie = cookieOf(await run('regenerate', 'create'))
    const res = await run('destroy', 'destroyByHandle', { cookie })
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-sid=;.*Max-Age=0/)
    expect(await open.sessions.admin.list('alice')).toEqual([])
  })

  it('fails the response (fail closed) when the step fails after the handler answered', async () => {
    open = await serve()
    const res = await run('regenerate', 'create', { fail: true })
    expect(res.status).toBe(503)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(await open.sessions.admin.list('alice')).toEqual([])
  })

  it('fails the response as well when the unseen step failed before the handler answered', async () => {
    open = await serve()
    const res = await run('regenerate-late', 'create', { fail: true })
    expect(res.status).toBe(503)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(await open.sessions.admin.list('alice')).toEqual([])
  })
})

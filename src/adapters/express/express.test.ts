import { createServer } from 'node:http'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { listenLoopback } from '../../../test/behaviour/apps/listen.js'
import type { RunningApp } from '../../../test/behaviour/contract.js'
import { createSessions } from '../../core/manager.js'
import { securityHeaders } from '../../headers/index.js'
import type { Plugin } from '../../pipeline/types.js'
import { memoryStore } from '../../stores/memory/index.js'
import { type ExpressSessionsOptions, expressSessions } from './index.js'

const marker: Plugin = { name: 'mark', headers: (_ctx, out) => out.push(['x-mark', '1']) }
let running: RunningApp | undefined
afterEach(() => running?.close())

async function serve(options: ExpressSessionsOptions = {}): Promise<string> {
  const sessions = createSessions({ store: memoryStore() })
  const app = express()
  app.use(expressSessions(sessions, { plugins: [marker], ...options }))
  const api = express.Router()
  api.get('/who', (req, res) => {
    const { ip, secure, path } = req.tessera.input
    res.json({ ip, secure, path })
  })
  app.use('/api', api)
  // A mounted sub-app: Express swaps the response prototype to its own while inside it.
  const sub = express()
  sub.post('/login', async (req, res) => {
    await req.session.regenerate({ userId: 'bob' })
    res.json({ ok: true })
  })
  app.use('/sub', sub)
  app.post('/stream', async (req, res) => {
    await req.session.regenerate({ userId: 'alice' })
    res.write('first ')
    res.end('last')
  })
  app.get('/boom', () => {
    throw new Error('handler bug')
  })
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(500).send('internal error')
  })
  running = await listenLoopback(createServer(app))
  return running.url
}

describe('Express adapter', () => {
  it('gives plugins the full path under a mounted router', async () => {
    const res = await fetch(`${await serve()}/api/who?x=1`)
    expect(res.headers.get('x-powered-by')).toBeNull()
    expect(await res.json()).toEqual({ ip: '127.0.0.1', secure: false, path: '/api/who' })
  })

  it('believes X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }
    const trusted = await fetch(`${await serve({ trustProxy: '127.0.0.1' })}/api/who`, { headers })
    expect(await trusted.json()).toMatchObject({ ip: '203.0.113.9', secure: true })
    await running?.close()
    const untrusted = await fetch(`${await serve({ trustProxy: '10.0.0.1' })}/api/who`, { headers })
    expect(await untrusted.json()).toMatchObject({ ip: '127.0.0.1', secure: false })
  })

  it('adds the session cookie to a streamed response at its first write', async () => {
    const res = await fetch(`${await serve()}/stream`, { method: 'POST' })
    expect(await res.text()).toBe('first last')
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-sid=/)
    expect(res.headers.get('x-mark')).toBe('1')
  })

  it('commits and sends the cookie from a mounted sub-app, and leaves other apps untouched', async () => {
    const base = await serve()
    const login = await fetch(`${base}/sub/login`, { method: 'POST' })
    expect(login.headers.getSetCookie()[0]).toMatch(/^__Host-sid=/)
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const who = await fetch(`${base}/api/who`, { headers: { cookie } })
    expect(who.headers.get('x-mark')).toBe('1')
    const plain = express()
    plain.get('/', (_req, res) => res.send('plain'))
    const other = await listenLoopback(createServer(plain))
    const res = await fetch(other.url)
    await other.close()
    expect(await res.text()).toBe('plain')
    expect(res.headers.get('x-mark')).toBeNull()
    expect(res.headers.get('cache-control')).toBeNull()
  })

  it("adds its headers to the error handler's answer when a route throws", async () => {
    const res = await fetch(`${await serve()}/boom`)
    expect(res.status).toBe(500)
    expect(res.headers.get('x-mark')).toBe('1')
  })

  it('exposes req.session without setting it on each request, and lets a route assign its own', async () => {
    const sessions = createSessions({ store: memoryStore() })
    const app = express()
    app.use(expressSessions(sessions))
    app.get('/mine', (req, res) => {
      const own = Object.hasOwn(req, 'session')
      const exists = req.session.exists
      ;(req as { session: unknown }).session = 'replaced'
      res.json({ own, exists, now: req.session })
    })
    app.get('/again', (req, res) => {
      res.json({ same: req.session === req.tessera.session, exists: req.session.exists })
    })
    running = await listenLoopback(createServer(app))
    expect(await (await fetch(`${running.url}/mine`)).json()).toEqual({
      own: false,
      exists: false,
      now: 'replaced',
    })
    // The assignment stayed on that one request.
    expect(await (await fetch(`${running.url}/again`)).json()).toEqual({
      same: true,
      exists: false,
    })
  })

  it('refuses req.session = null (a logout habit that would leave the session alive)', async () => {
    const sessions = createSessions({ store: memoryStore() })
    const app = express()
    app.use(expressSessions(sessions))
    app.post('/login', async (req, res) => {
      await req.session.regenerate({ userId: 'alice' })
      res.json({ ok: true })
    })
    app.post('/logout', (req, res) => {
      try {
        ;(req as { session: unknown }).session = null
        res.json({ refused: false })
      } catch (error) {
        res.status(500).json({ refused: true, message: (error as Error).message })
      }
    })
    running = await listenLoopback(createServer(app))
    const login = await fetch(`${running.url}/login`, { method: 'POST' })
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const out = await fetch(`${running.url}/logout`, { method: 'POST', headers: { cookie } })
    expect(await out.json()).toEqual({
      refused: true,
      message: expect.stringMatching(/req\.session\.destroy\(\)/),
    })
    // The session was not ended behind the app's back: it is still there to destroy properly.
    expect((await sessions.admin.list('alice')).length).toBe(1)
  })

  it('works inside a sub-app mounted on an app without it; the outer app is prepared once', async () => {
    const sessions = createSessions({ store: memoryStore() })
    const sub = express()
    sub.use(expressSessions(sessions, { plugins: [marker] }))
    sub.post('/login', async (req, res) => {
      await req.session.regenerate({ userId: 'carol' })
      res.json({ ok: true })
    })
    sub.get('/me', (req, res) => res.json({ user: req.session.userId }))
    const outer = express()
    outer.use('/sub', sub)
    running = await listenLoopback(createServer(outer))
    const login = await fetch(`${running.url}/sub/login`, { method: 'POST' })
    const cookie = login.headers.getSetCookie()[0]?.split(';')[0]
    expect(cookie).toMatch(/^__Host-sid=/)
    // The outer app re-parents the response first: its handle now reserves the hook slot.
    const handleOf = (app: unknown) => (app as { handle: unknown }).handle
    const prepared = handleOf(outer)
    expect(prepared).not.toBe(handleOf(express.application))
    const me = await fetch(`${running.url}/sub/me`, { headers: { cookie: cookie! } })
    expect(await me.json()).toEqual({ user: 'carol' })
    expect(me.headers.get('x-mark')).toBe('1')
    expect(handleOf(outer)).toBe(prepared)
  })

  it('keeps the session save and the CSP when a middleware reassigns res.locals', async () => {
    const sessions = createSessions({ store: memoryStore() })
    const app = express()
    app.use(expressSessions(sessions, { plugins: [securityHeaders()] }))
    // Common in templating set-ups: a fresh locals object per request.
    app.use((_req, res, next) => {
      res.locals = { title: 'bank' }
      next()
    })
    app.post('/login', async (req, res) => {
      await req.session.regenerate({ userId: 'alice' })
      req.session.set('theme', 'dark')
      res.send(`<p nonce="${req.tessera.locals.cspNonce}">hi</p>`)
    })
    app.get('/me', (req, res) => {
      res.json({ user: req.session.userId, theme: req.session.get('theme') ?? null })
    })
    running = await listenLoopback(createServer(app))
    const login = await fetch(`${running.url}/login`, { method: 'POST' })
    const nonce = /nonce="([^"]+)"/.exec(await login.text())?.[1]
    expect(nonce).toMatch(/^[A-Za-z0-9+/_-]{16,}={0,2}$/)
    expect(login.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`)
    const cookie = login.headers.getSetCookie()[0]?.split(';')[0]
    expect(cookie).toMatch(/^__Host-sid=/)
    const me = await fetch(`${running.url}/me`, { headers: { cookie: cookie! } })
    expect(await me.json()).toEqual({ user: 'alice', theme: 'dark' })
    expect(me.headers.get('content-security-policy')).toContain("'nonce-")
  })
})

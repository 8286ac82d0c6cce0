import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../../core/manager.js'
import type { Plugin } from '../../pipeline/types.js'
import { memoryStore } from '../../stores/memory/index.js'
import { type HonoSessionsOptions, honoSessions } from './index.js'

const marker: Plugin = { name: 'mark', headers: (_ctx, out) => out.push(['x-mark', '1']) }

function build(options: HonoSessionsOptions = {}) {
  const sessions = createSessions({ store: memoryStore() })
  const app = new Hono()
  app.use(honoSessions(sessions, { plugins: [marker], ...options }))
  app.post('/login', async (c) => {
    await c.get('session').regenerate({ userId: 'alice' })
    return c.json({ ok: true })
  })
  app.get('/who', (c) => {
    const { ip, secure } = c.get('tessera').input
    return c.json({ ip: ip ?? null, secure, user: c.get('session').userId })
  })
  app.post('/login-redirect', async (c) => {
    await c.get('session').regenerate({ userId: 'alice' })
    return Response.redirect('https://bank.example/account', 303)
  })
  app.get('/boom', () => {
    throw new Error('handler bug')
  })
  app.onError((_error, c) => c.text('internal error', 500))
  return app
}

describe('Hono adapter', () => {
  it('runs on a bare Fetch runtime (app.request, no Node server): the IP is simply unknown', async () => {
    const app = build()
    const login = await app.request('https://bank.example/login', { method: 'POST' })
    expect(login.status).toBe(200)
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const who = await app.request('https://bank.example/who', { headers: { cookie } })
    expect(await who.json()).toEqual({ ip: null, secure: true, user: 'alice' })
  })

  it('takes the client IP from the runtime getConnInfo and the scheme from the URL', async () => {
    const app = build({ getConnInfo: () => ({ remote: { address: '::ffff:192.0.2.7' } }) })
    const who = await app.request('http://bank.example/who')
    expect(await who.json()).toEqual({ ip: '192.0.2.7', secure: false, user: null })
  })

  it('believes X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }
    const viaProxy = build({
      trustProxy: '10.0.0.1',
      getConnInfo: () => ({ remote: { address: '10.0.0.1' } }),
    })
    const trusted = await viaProxy.request('http://bank.example/who', { headers })
    expect(await trusted.json()).toMatchObject({ ip: '203.0.113.9', secure: true })
    const direct = build({
      trustProxy: '10.0.0.1',
      getConnInfo: () => ({ remote: { address: '198.51.100.4' } }),
    })
    const spoofed = await direct.request('http://bank.example/who', { headers })
    expect(await spoofed.json()).toMatchObject({ ip: '198.51.100.4', secure: false })
  })

  it('adds the cookie to a handler response whose headers are immutable', async () => {
    const res = await build().request('https://bank.example/login-redirect', { method: 'POST' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('https://bank.example/account')
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-sid=/)
    expect(res.headers.get('x-mark')).toBe('1')
  })

  it('adds its headers to the error response of a handler that throws', async () => {
    const res = await build().request('https://bank.example/boom')
    expect(res.status).toBe(500)
    expect(res.headers.get('x-mark')).toBe('1')
  })
})

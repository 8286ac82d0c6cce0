import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createSessions } from '../../core/manager.js'
import type { Plugin } from '../../pipeline/types.js'
import { memoryStore } from '../../stores/memory/index.js'
import { type FastifySessionsOptions, fastifySessions } from './index.js'

const marker: Plugin = { name: 'mark', headers: (_ctx, out) => out.push(['x-mark', '1']) }
let app: FastifyInstance | undefined
afterEach(() => app?.close())

async function build(options: Partial<FastifySessionsOptions> = {}): Promise<FastifyInstance> {
  const sessions = createSessions({ store: memoryStore() })
  app = Fastify()
  await app.register(fastifySessions, { sessions, plugins: [marker], ...options })
  // An encapsulated child plugin: it must still see the decorator and the hooks.
  await app.register(async (child) => {
    child.post('/login', async (request) => {
      await request.session.regenerate({ userId: 'alice' })
      return { ok: true }
    })
    child.get('/who', async (request) => {
      const input = request.tessera!.input
      return { ip: input.ip, secure: input.secure, user: request.session.userId }
    })
  })
  app.get('/boom', async () => {
    throw new Error('handler bug')
  })
  return app
}

describe('Fastify adapter', () => {
  it('reaches routes registered in an encapsulated child plugin', async () => {
    const f = await build()
    const login = await f.inject({ method: 'POST', url: '/login' })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    const who = await f.inject({ method: 'GET', url: '/who', headers: { cookie } })
    expect(who.json()).toEqual({ ip: '127.0.0.1', secure: false, user: 'alice' })
    expect(who.headers['x-mark']).toBe('1')
  })

  it('believes X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }
    const trusted = await (await build({ trustProxy: '127.0.0.1' })).inject({
      url: '/who',
      headers,
    })
    expect(trusted.json()).toMatchObject({ ip: '203.0.113.9', secure: true })
    await app?.close()
    const spoofed = await (await build({ trustProxy: '10.0.0.1' })).inject({ url: '/who', headers })
    expect(spoofed.json()).toMatchObject({ ip: '127.0.0.1', secure: false })
  })

  it("adds its headers to Fastify's error reply when a route throws", async () => {
    const res = await (await build()).inject({ url: '/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.headers['x-mark']).toBe('1')
  })
})

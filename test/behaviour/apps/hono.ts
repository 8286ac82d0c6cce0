import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { honoSessions } from '../../../src/adapters/hono/index.js'
import { ROUTES, runRoute, type ServeApp } from '../contract.js'
import { closeServer } from './listen.js'

/** The contract app on Hono 4, served by `@hono/node-server`. */
export const serveHono: ServeApp = (setup) => {
  const app = new Hono()
  app.use(honoSessions(setup.sessions, { plugins: setup.plugins }))
  for (const route of ROUTES) {
    app.on(route.method, route.path, async (c) => {
      const body = route.method === 'POST' ? await c.req.json() : {}
      const result = await runRoute(setup, route, c.get('tessera'), body)
      return c.json(result.body as object, result.status as 200)
    })
  }
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => closeServer(server as Server) })
    })
  })
}

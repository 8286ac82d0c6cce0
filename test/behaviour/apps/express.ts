import { createServer } from 'node:http'
import express from 'express'
import { expressSessions } from '../../../src/adapters/express/index.js'
import { ROUTES, runRoute, type ServeApp } from '../contract.js'
import { listenLoopback } from './listen.js'

/** The contract app on Express 5. */
export const serveExpress: ServeApp = (setup) => {
  const app = express()
  app.use(expressSessions(setup.sessions, { plugins: setup.plugins }))
  app.use(express.json())
  for (const route of ROUTES) {
    const method = route.method === 'GET' ? 'get' : 'post'
    app[method](route.path, async (req, res) => {
      const result = await runRoute(setup, route, req.tessera, req.body)
      res.status(result.status).json(result.body)
    })
  }
  return listenLoopback(createServer(app))
}

import { createServer, type IncomingMessage } from 'node:http'
import { nodeHandler } from '../../../src/adapters/node/index.js'
import { ROUTES, runRoute, type ServeApp } from '../contract.js'
import { listenLoopback } from './listen.js'

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? JSON.parse(text) : {}
}

/** The contract app on plain `node:http`. */
export const serveNode: ServeApp = (setup) => {
  const handler = nodeHandler(
    setup.sessions,
    async (req, res) => {
      const route = ROUTES.find((r) => r.method === req.method && r.path === req.tessera.input.path)
      if (!route) {
        res.statusCode = 404
        return void res.end('not found')
      }
      const body = req.method === 'POST' ? await readJson(req) : {}
      const result = await runRoute(setup, route, req.tessera, body)
      res.statusCode = result.status
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(result.body))
    },
    { plugins: setup.plugins },
  )
  return listenLoopback(createServer(handler))
}

import { serveExpress } from './apps/express.js'
import { serveFastify } from './apps/fastify.js'
import { serveHono } from './apps/hono.js'
import { serveNode } from './apps/node.js'
import { describeBehaviour } from './cases.js'
import type { ServeApp } from './contract.js'
import { describePluginBehaviour } from './plugin-cases.js'

const frameworks: Array<[string, ServeApp]> = [
  ['node:http', serveNode],
  ['Express', serveExpress],
  ['Fastify', serveFastify],
  ['Hono', serveHono],
]

// One list of cases, run unchanged through every adapter.
for (const [name, serve] of frameworks) {
  describeBehaviour(name, serve)
  describePluginBehaviour(name, serve)
}

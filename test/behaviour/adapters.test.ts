import { serveExpress } from './apps/express.js'
import { serveFastify } from './apps/fastify.js'
import { serveHono } from './apps/hono.js'
import { serveNode } from './apps/node.js'
import { describeBehaviour } from './cases.js'

// One list of cases, run unchanged through every adapter.
describeBehaviour('node:http', serveNode)
describeBehaviour('Express', serveExpress)
describeBehaviour('Fastify', serveFastify)
describeBehaviour('Hono', serveHono)

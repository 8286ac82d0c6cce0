import Fastify from 'fastify'
import { fastifySessions } from '../../../src/adapters/fastify/index.js'
import { createPipeline } from '../../../src/pipeline/pipeline.js'
import { ROUTES, runRoute, type ServeApp } from '../contract.js'
import { listenLoopback } from './listen.js'

/** The contract app on Fastify 5 (wired with a ready Pipeline, the adapters' other input). */
export const serveFastify: ServeApp = async (setup) => {
  const app = Fastify()
  await app.register(fastifySessions, { sessions: createPipeline(setup.sessions, setup.plugins) })
  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const result = await runRoute(setup, route, request.tessera!, request.body)
        return reply.code(result.status).send(result.body)
      },
    })
  }
  await app.ready()
  const running = await listenLoopback(app.server)
  return { url: running.url, close: () => app.close() }
}

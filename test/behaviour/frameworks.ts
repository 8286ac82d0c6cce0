import { serveExpress } from './apps/express.js'
import { serveFastify } from './apps/fastify.js'
import { serveHono } from './apps/hono.js'
import { serveNode } from './apps/node.js'
import type { Backend } from './backends.js'
import { describeBehaviour } from './cases.js'
import type { ServeApp } from './contract.js'
import { describePluginBehaviour } from './plugin-cases.js'

/** Every adapter the behaviour suite runs through. */
export const FRAMEWORKS: ReadonlyArray<readonly [string, ServeApp]> = [
  ['node:http', serveNode],
  ['Express', serveExpress],
  ['Fastify', serveFastify],
  ['Hono', serveHono],
]

/**
 * Registers the whole behaviour suite (core cases and the real plugins) through every adapter
 * on one store backend.
 *
 * @example
 * describeAdapters(await redisBackend())
 */
export function describeAdapters(backend: Backend): void {
  for (const [name, serve] of FRAMEWORKS) {
    describeBehaviour(name, serve, backend)
    describePluginBehaviour(name, serve, backend)
  }
}

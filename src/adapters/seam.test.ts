import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../core/manager.js'
import { createPipeline } from '../pipeline/pipeline.js'
import { memoryStore } from '../stores/memory/index.js'
import { expressSessions } from './express/index.js'
import { fastifySessions } from './fastify/index.js'
import { honoSessions } from './hono/index.js'
import { nodeHandler } from './node/index.js'

const sessions = createSessions({ store: memoryStore() })
const handler = () => {}
const PLUGIN_TYPO = /ERR_CONFIG|unknown option "plugin": did you mean "plugins"/

// Each adapter, called with the options given; a refusal is thrown at construction.
const adapters: Record<string, (options: object) => Promise<unknown> | unknown> = {
  expressSessions: (o) => expressSessions(sessions, o),
  honoSessions: (o) => honoSessions(sessions, o),
  nodeHandler: (o) => nodeHandler(sessions, handler, o),
  fastifySessions: async (o) => {
    const app = Fastify()
    app.register(fastifySessions, { sessions, ...o })
    try {
      await app.ready()
    } finally {
      await app.close()
    }
  },
}

describe.each(Object.entries(adapters))('%s options', (name, make) => {
  it('refuses the singular "plugin" with ERR_CONFIG and the right name', async () => {
    const attempt = async () => make({ plugin: [] })
    await expect(attempt()).rejects.toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(
        new RegExp(`${name}: unknown option "plugin": did you mean "plugins"`),
      ),
    })
    await expect(attempt()).rejects.toThrow(PLUGIN_TYPO)
  })

  it('refuses a misspelt trustProxy', async () => {
    await expect((async () => make({ trustproxy: ['10.0.0.1'] }))()).rejects.toThrow(
      /did you mean "trustProxy"/,
    )
  })

  it('accepts its documented options', async () => {
    await make({ plugins: [], trustProxy: ['10.0.0.1'] })
  })

  it('refuses plugins beside a ready pipeline, where they would be ignored', async () => {
    const pipeline = createPipeline(sessions, [])
    const withPipeline =
      name === 'fastifySessions'
        ? () => adapters.fastifySessions!({ sessions: pipeline, plugins: [] })
        : name === 'nodeHandler'
          ? () => nodeHandler(pipeline, handler, { plugins: [] })
          : name === 'honoSessions'
            ? () => honoSessions(pipeline, { plugins: [] })
            : () => expressSessions(pipeline, { plugins: [] })
    await expect((async () => withPipeline())()).rejects.toThrow(
      /pass the session manager and the plugins here instead/,
    )
  })
})

it('hono takes its own getConnInfo option', () => {
  expect(() => honoSessions(sessions, { getConnInfo: () => ({ remote: {} }) })).not.toThrow()
})

it('refuses options passed where the session manager goes (the express-session habit)', () => {
  expect(() => expressSessions({ store: memoryStore() } as never)).toThrow(
    /expressSessions needs the session manager made by createSessions\(\{ store \}\), not an options object/,
  )
})

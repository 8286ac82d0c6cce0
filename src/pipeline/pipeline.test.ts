import { describe, expect, it } from 'vitest'
import { createSessions } from '../core/manager.js'
import { memoryStore } from '../stores/memory/index.js'
import { createPipeline } from './pipeline.js'
import type { Plugin, RequestInput } from './types.js'

const input = (headers: Record<string, string> = {}): RequestInput => ({
  method: 'POST',
  path: '/',
  query: '',
  secure: true,
  ip: '198.51.100.7',
  header: (name) => headers[name],
})

function recorder(log: string[], name: string, answer: Plugin['onRequest']): Plugin {
  return {
    name,
    onRequest(ctx) {
      log.push(name)
      return answer?.(ctx)
    },
  }
}

describe('Pipeline.begin', () => {
  it('is synchronous when the store has getSync and every plugin answers at once', () => {
    const sessions = createSessions({ store: memoryStore({ quiet: true }) })
    const log: string[] = []
    const begun = createPipeline(sessions, [
      recorder(log, 'a', () => undefined),
      recorder(log, 'b', () => undefined),
    ]).begin(input())
    expect(begun).not.toBeInstanceOf(Promise)
    expect(log).toEqual(['a', 'b'])
  })

  it('waits for an async plugin, keeps the order, and stops at the first refusal', async () => {
    const sessions = createSessions({ store: memoryStore({ quiet: true }) })
    const log: string[] = []
    const refusal = { status: 403, code: 'ERR_TEST', message: 'no' }
    const pipeline = createPipeline(sessions, [
      recorder(log, 'sync', () => undefined),
      recorder(log, 'async', async () => undefined),
      recorder(log, 'refuses', async () => refusal),
      recorder(log, 'never', () => undefined),
    ])
    const begun = pipeline.begin(input())
    expect(begun).toBeInstanceOf(Promise)
    const { ctx, rejection } = await begun
    expect(rejection).toEqual(refusal)
    expect(ctx?.session.exists).toBe(false)
    expect(log).toEqual(['sync', 'async', 'refuses'])
  })

  it('turns a plugin that throws or rejects into a 500 refusal, sync or async', async () => {
    const sessions = createSessions({ store: memoryStore({ quiet: true }) })
    for (const bad of [
      () => {
        throw new Error('bug')
      },
      async () => {
        throw new Error('bug')
      },
    ]) {
      const { rejection } = await createPipeline(sessions, [{ name: 'bad', onRequest: bad }]).begin(
        input(),
      )
      expect(rejection).toMatchObject({ status: 500, code: 'ERR_INTERNAL' })
    }
  })

  it('fails closed with a 503 on both store paths, the context still carrying an empty session', async () => {
    for (const sync of [true, false]) {
      const store = memoryStore({ quiet: true })
      const down = () => {
        throw new Error('ECONNREFUSED')
      }
      store.getSync = down
      const sessions = createSessions({
        store: sync ? store : { ...store, getSync: undefined, get: async () => down() },
      })
      const cookie = `__Host-sid=${'a'.repeat(43)}`
      const begun = createPipeline(sessions).begin(input({ cookie }))
      expect(begun instanceof Promise).toBe(!sync)
      const { ctx, rejection } = await begun
      expect(rejection).toMatchObject({ status: 503, code: 'ERR_STORE_UNAVAILABLE' })
      expect(ctx?.session.exists).toBe(false)
    }
  })
})

describe('the plugin list', () => {
  const sessions = createSessions({ store: memoryStore() })

  it('refuses a plugin factory that was not called', async () => {
    const { csrf } = await import('../csrf/plugin.js')
    expect(() => createPipeline(sessions, [csrf as never])).toThrow(
      /plugins: csrf is a plugin factory; call it: csrf\(\{ … \}\)/,
    )
  })

  it('refuses what is not a plugin', () => {
    expect(() => createPipeline(sessions, [{} as never])).toThrow(
      /ERR_CONFIG|must be plugin objects/,
    )
    expect(() => createPipeline(sessions, [{ name: 'x' }])).not.toThrow()
  })
})

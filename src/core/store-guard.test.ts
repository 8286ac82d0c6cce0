import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import type { TesseraError } from './errors.js'
import { createSessions } from './manager.js'
import type { SessionStore } from './store.js'
import { generateToken } from './token.js'

const cookie = (token: string) => `__Host-sid=${token}`

describe.each([
  ['an async store', false],
  ['a store with getSync', true],
])('store outages fail closed (%s)', (_name, sync) => {
  it('rejects load with ERR_STORE_UNAVAILABLE, emits one event per outage, and recovers', async () => {
    const clock = manualClock()
    const inner = memoryStore({ clock, quiet: true })
    let down = false
    const flaky: SessionStore = {
      ...inner,
      get: (id) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.get(id)),
      getSync: sync
        ? (id) => {
            if (down) throw new Error('ECONNREFUSED')
            return inner.getSync(id)
          }
        : undefined,
    }
    const sessions = createSessions({ store: flaky, clock })
    const types: string[] = []
    sessions.on((e) => types.push(e.type))
    const token = generateToken()
    down = true
    await expect(sessions.load({ cookie: cookie(token) })).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      status: 503,
    })
    await expect(sessions.load({ cookie: cookie(token) })).rejects.toSatisfy(
      (e: TesseraError) => !e.message.includes(token),
    )
    down = false
    await sessions.load({ cookie: cookie(token) })
    expect(types.filter((t) => t.startsWith('store_'))).toEqual([
      'store_unavailable',
      'store_recovered',
    ])
  })
})

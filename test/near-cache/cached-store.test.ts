import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { TesseraError } from '../../src/core/errors.js'
import { createSessions } from '../../src/core/manager.js'
import type { SessionRecord } from '../../src/core/record.js'
import type { SessionStore } from '../../src/core/store.js'
import {
  type InvalidationChannel,
  type InvalidationSink,
  nearCacheSettings,
  nearCacheStats,
  withNearCache,
} from '../../src/stores/near-cache/index.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { redisStore } from '../../src/stores/redis/index.js'
import { EventLog } from './events.js'
import { record } from './suite.js'

/** A channel the test drives by hand (the network channels are tested on real servers). */
const handChannel = () => {
  let sink: InvalidationSink | null = null
  const channel: InvalidationChannel = {
    start: (s) => {
      sink = s
    },
    close: async () => {},
  }
  return { channel, sink: () => sink! }
}

/** A memory store whose `get` answers only when the test says so. */
const heldReads = (inner: SessionStore) => {
  const held: Array<() => void> = []
  const store: SessionStore = {
    ...inner,
    get: (id) =>
      new Promise<SessionRecord | null>((resolve, reject) => {
        held.push(() => inner.get(id).then(resolve, reject))
      }),
  }
  delete store.getSync
  const release = () => {
    for (const go of held.splice(0)) go()
  }
  return { store, release }
}

const cached = (inner: SessionStore, over: Record<string, unknown> = {}) => {
  const { channel, sink } = handChannel()
  const clock = manualClock(Date.now())
  const log = new EventLog()
  const store = withNearCache(
    inner,
    channel,
    nearCacheSettings({ clock, onEvent: log.push, ...over }, 'test')!,
  )
  return { store, sink, clock, log, stats: () => nearCacheStats(store)! }
}

describe('the near cache over any store', () => {
  it('keeps nothing until its channel is up, and serves from memory once it is', async () => {
    const { store, sink, stats } = cached(memoryStore({ quiet: true }))
    const r = record('u1')
    await store.create(r)
    await store.get(r.id)
    await store.get(r.id)
    expect(stats()).toMatchObject({ hits: 0, misses: 2, entries: 0, up: false })
    sink().up()
    await store.get(r.id)
    expect((await store.get(r.id))?.data).toEqual({ cart: ['apple'] })
    expect(stats()).toMatchObject({ hits: 1, misses: 3, entries: 1, up: true })
  })

  it('empties on channel loss and reads the store until the channel is back', async () => {
    const { store, sink, stats } = cached(memoryStore({ quiet: true }))
    const r = record('u1')
    await store.create(r)
    sink().up()
    await store.get(r.id)
    sink().down(new Error('gone'))
    expect(stats()).toMatchObject({ entries: 0, up: false })
    await store.get(r.id)
    await store.get(r.id)
    expect(stats()).toMatchObject({ hits: 0, entries: 0 })
    sink().up()
    await store.get(r.id)
    await store.get(r.id)
    expect(stats().hits).toBe(1)
  })

  it('does not keep a read that was in flight when an invalidation of its id arrived', async () => {
    const held = heldReads(memoryStore({ quiet: true }))
    const { store, sink, stats } = cached(held.store)
    const r = record('u1')
    await store.create(r)
    sink().up()
    const read = store.get(r.id)
    sink().invalidate(r.id)
    held.release()
    expect((await read)?.id).toBe(r.id)
    expect(stats().entries).toBe(0)
  })

  it('does not keep a read that spanned a channel loss and return', async () => {
    const held = heldReads(memoryStore({ quiet: true }))
    const { store, sink, stats } = cached(held.store)
    const r = record('u1')
    await store.create(r)
    sink().up()
    const read = store.get(r.id)
    sink().down(new Error('gone'))
    sink().up()
    held.release()
    await read
    expect(stats().entries).toBe(0)
  })

  it('never serves an entry older than maxAgeMs', async () => {
    const { store, sink, clock, stats } = cached(memoryStore({ quiet: true }), { maxAgeMs: 500 })
    const r = record('u1')
    await store.create(r)
    sink().up()
    await store.get(r.id)
    clock.advance(499)
    await store.get(r.id)
    expect(stats().hits).toBe(1)
    clock.advance(2)
    await store.get(r.id)
    expect(stats().hits).toBe(1)
  })

  it('forgets everything on a flush', async () => {
    const { store, sink, stats } = cached(memoryStore({ quiet: true }))
    const r = record('u1')
    await store.create(r)
    sink().up()
    await store.get(r.id)
    sink().invalidateAll()
    expect(stats().entries).toBe(0)
  })

  it('does not keep a record reached through a renewal alias', async () => {
    const { store, sink, stats } = cached(memoryStore({ quiet: true }))
    const r = record('u1')
    await store.create(r)
    const next = record('u1', { handle: r.handle })
    await store.create(next, { replaces: r.id, graceUntil: Date.now() + 60_000 })
    sink().up()
    expect((await store.get(r.id))?.id).toBe(next.id)
    expect(stats().entries).toBe(0)
  })

  it("drops the sessions a revocation by handle or user ended in this process's cache", async () => {
    const { store, sink, stats } = cached(memoryStore({ quiet: true }))
    const [a, b, c] = [record('u1'), record('u1'), record('u1')]
    for (const r of [a, b, c]) await store.create(r)
    sink().up()
    for (const r of [a, b, c]) await store.get(r.id)
    await store.destroyByHandle(a.handle)
    expect(await store.get(a.id)).toBeNull()
    await store.destroyByUser('u1', { except: b.id })
    expect(await store.get(c.id)).toBeNull()
    expect((await store.get(b.id))?.id).toBe(b.id)
    expect(stats().entries).toBe(1)
  })

  it('refuses a cached record once its idle deadline passes: the manager checks every hit', async () => {
    const clock = manualClock(Date.now())
    const near = cached(memoryStore({ quiet: true, clock }))
    near.sink().up()
    const sessions = createSessions({ store: near.store, clock, idleTimeout: '30m' })
    const login = await sessions.load({})
    await login.regenerate({ userId: 'u1', authenticated: true })
    await login.commit()
    const cookie = login.setCookie!.split(';')[0]!
    expect((await sessions.load({ cookie })).exists).toBe(true)
    expect((await sessions.load({ cookie })).exists).toBe(true)
    const hits = near.stats().hits
    expect(hits).toBeGreaterThan(0)
    clock.advance(31 * 60_000)
    expect((await sessions.load({ cookie })).exists).toBe(false)
    // The refused record came from memory: the check is the manager's, on every read.
    expect(near.stats().hits).toBe(hits + 1)
  })
})

describe('the nearCache option', () => {
  const bad = (option: unknown) => () => nearCacheSettings(option, 'redisStore')
  const code = (e: unknown) => (e instanceof TesseraError ? e.code : null)

  it('is off when absent or false, and takes true for the defaults', () => {
    expect(nearCacheSettings(undefined, 'x')).toBeNull()
    expect(nearCacheSettings(false, 'x')).toBeNull()
    expect(nearCacheSettings(true, 'x')).toMatchObject({
      maxEntries: 10_000,
      maxBytes: 16 * 1024 * 1024,
      maxAgeMs: 1000,
    })
  })

  it.each([
    ['a string', 'yes'],
    ['a number', 1],
    ['a misspelt key', { maxEntrys: 5 }],
    ['a max age of zero', { maxAgeMs: 0 }],
    ['a max age over 10 s', { maxAgeMs: 10_001 }],
    ['a fractional size', { maxEntries: 1.5 }],
    ['a negative byte bound', { maxBytes: -1 }],
    ['a clock without now()', { clock: {} }],
    ['an onEvent that is not a function', { onEvent: 'log' }],
  ])('refuses %s at start-up with ERR_CONFIG', (_name, option) => {
    let thrown: unknown
    try {
      bad(option)()
    } catch (e) {
      thrown = e
    }
    expect(code(thrown)).toBe('ERR_CONFIG')
  })

  it('suggests the key meant', () => {
    expect(bad({ maxAge: 5 })).toThrow(/did you mean "maxAgeMs"/)
  })

  it('is refused by the store factories before any connection is made', () => {
    expect(() => redisStore({ url: 'redis://127.0.0.1:1', nearCache: { maxAgeMs: 0 } })).toThrow(
      /maxAgeMs/,
    )
    expect(() =>
      postgresStore({ connectionString: 'postgres://127.0.0.1:1/x', nearCache: 'on' as never }),
    ).toThrow(/nearCache/)
  })
})

describe('a throwing onEvent listener', () => {
  it('fails neither the write that committed nor the push', async () => {
    const { channel, sink } = handChannel()
    const inner = memoryStore({ quiet: true })
    const onEvent = () => {
      throw new Error('listener bug')
    }
    const store = withNearCache(inner, channel, nearCacheSettings({ onEvent }, 'test')!)
    const r = record('u1')
    await store.create(r)
    sink().up()
    await store.get(r.id)
    expect(() => sink().invalidate(r.id)).not.toThrow()
    await expect(store.update(r.id, { set: { a: 1 } })).resolves.toBe(true)
    expect((await inner.get(r.id))?.data).toMatchObject({ a: 1 })
  })
})

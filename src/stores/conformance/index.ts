import assert from 'node:assert/strict'
import { expiresAt } from '../../core/record.js'
import type { SessionStore } from '../../core/store.js'
import { generateToken, hashToken } from '../../core/token.js'
import { runPerUserCases } from './per-user.js'
import { conformanceFixtures } from './sample.js'
import { runVersionCases } from './versions.js'

/** What a store under test provides to the suite. */
export interface ConformanceTarget {
  store: SessionStore
  /**
   * Makes the store forget records whose deadline has passed (run a sweeper, advance a fake
   * clock…). Stores with native expiry can leave it out.
   */
  sweep?: () => Promise<void> | void
}

/**
 * What a runner hands a test body, as far as the suite uses it: a way to mark the case skipped
 * (vitest's and node:test's test context both have `skip(note)`). Runners that pass nothing
 * still work; a case that does not apply then simply passes after its fallback checks.
 */
export interface TestContextLike {
  skip?: ((note?: string) => void) | undefined
}

/**
 * Registers one test; pass your runner's `it`/`test`. Bodies that take no argument (a plain
 * `(name, fn) => …` of your own) remain valid: the context parameter is optional.
 */
export type TestFn = (name: string, fn: (context?: TestContextLike) => Promise<void>) => void

/**
 * The store conformance suite: the semantics every store must honour, run against the real
 * backend. Each case uses fresh random user ids, so it can share a database with other data.
 *
 * @example
 * import { it } from 'vitest'
 * runStoreConformance(it, async () => ({ store: myStore }))
 */
export function runStoreConformance(test: TestFn, target: () => ConformanceTarget): void {
  const { user, make } = conformanceFixtures()

  test('a created record reads back field for field', async () => {
    const { store } = target()
    const r = make(user())
    await store.create(r)
    assert.deepEqual(await store.get(r.id), r)
  })

  test('an unknown id reads as null', async () => {
    const { store } = target()
    assert.equal(await store.get(hashToken(generateToken())), null)
  })

  test('the store keys records by hash and never sees a raw token', async () => {
    const { store } = target()
    const token = generateToken()
    const r = make(user(), { id: hashToken(token) })
    await store.create(r)
    assert.equal(await store.get(token), null)
    assert.notEqual(await store.get(r.id), null)
  })

  test('update changes only the keys it names', async () => {
    const { store } = target()
    const r = make(user())
    await store.create(r)
    assert.equal(
      await store.update(r.id, {
        set: { s: 'y', added: true },
        unset: ['n'],
        lastSeenAt: r.lastSeenAt + 5,
        idleExpiresAt: r.idleExpiresAt + 5,
        meta: { ip: '198.51.100.1' },
      }),
      true,
    )
    const got = await store.get(r.id)
    assert.deepEqual(got?.data, { s: 'y', nested: { a: [1, 2] }, added: true })
    assert.equal(got?.lastSeenAt, r.lastSeenAt + 5)
    assert.equal(got?.idleExpiresAt, r.idleExpiresAt + 5)
    assert.equal(got?.meta.ip, '198.51.100.1')
    assert.equal(got?.meta.userAgent, r.meta.userAgent)
  })

  test('two concurrent updates of different keys both persist', async () => {
    const { store } = target()
    const r = make(user(), { data: {} })
    await store.create(r)
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.update(r.id, { set: { [`k${i}`]: i } })),
    )
    const got = await store.get(r.id)
    assert.deepEqual(
      Object.keys(got?.data ?? {}).sort(),
      Array.from({ length: 20 }, (_, i) => `k${i}`).sort(),
    )
  })

  test('destroy removes the record and an update afterwards never resurrects it', async () => {
    const { store } = target()
    const r = make(user())
    await store.create(r)
    assert.equal((await store.destroy(r.id))?.handle, r.handle)
    assert.equal(await store.destroy(r.id), null)
    assert.equal(
      await store.update(r.id, {
        set: { back: 1 },
        lastSeenAt: Date.now(),
        idleExpiresAt: Date.now() + 60_000,
      }),
      false,
    )
    assert.equal(await store.get(r.id), null)
    assert.deepEqual(await store.listByUser(r.userId!), [])
  })

  test('rotation replaces the old id with the new one', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    const next = { ...old, id: hashToken(generateToken()) }
    await store.create(next, { replaces: old.id })
    assert.equal(await store.get(old.id), null)
    assert.equal((await store.get(next.id))?.handle, old.handle)
    assert.deepEqual(
      (await store.listByUser(old.userId!)).map((s) => s.id),
      [next.id],
    )
  })

  test('a renewal grace alias resolves the old id to the new record until it ends', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    const next = { ...old, id: hashToken(generateToken()) }
    await store.create(next, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    assert.equal((await store.get(old.id))?.id, next.id)
    const other = { ...next, id: hashToken(generateToken()) }
    await store.create(other, { replaces: next.id, graceUntil: Date.now() - 1 })
    assert.equal(await store.get(next.id), null)
  })

  test('getSync, where a store has it, answers exactly as get does', async (context) => {
    const { store } = target()
    const sync = store.getSync?.bind(store)
    // Without getSync the same reads go through get alone: the async path still follows an
    // alias and forgets a destroyed record, and the case is then reported as not applicable.
    const read = async (id: string) => {
      const got = await store.get(id)
      if (sync) assert.deepEqual(sync(id), got)
      return got
    }
    const old = make(user())
    await store.create(old)
    assert.deepEqual(await read(old.id), old)
    assert.equal(await read(hashToken(generateToken())), null)
    // It follows a renewal alias like get.
    const next = { ...old, id: hashToken(generateToken()) }
    await store.create(next, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    assert.equal((await read(old.id))?.id, next.id)
    await store.destroy(next.id)
    assert.equal(await read(next.id), null)
    if (!sync) context?.skip?.('not applicable: this store has no getSync (get checked instead)')
  })

  test('a renewal whose old session is gone writes nothing (no fork, no revival)', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    const first = { ...old, id: hashToken(generateToken()) }
    const second = { ...old, id: hashToken(generateToken()) }
    await store.create(first, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    const late = await store.create(second, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    assert.equal(late.skipped, true)
    assert.equal(await store.get(second.id), null)
    assert.deepEqual(
      (await store.listByUser(old.userId!)).map((s) => s.id),
      [first.id],
    )
    await store.destroy(first.id)
    const revived = await store.create(
      { ...old, id: hashToken(generateToken()) },
      { replaces: first.id, graceUntil: Date.now() + 60_000 },
    )
    assert.equal(revived.skipped, true)
    assert.deepEqual(await store.listByUser(old.userId!), [])
  })

  test('records past their deadline are forgotten, and so is their index entry', async () => {
    const t = target()
    const userId = user()
    const r = make(userId, { idleExpiresAt: Date.now() - 1000, lastSeenAt: Date.now() - 61_000 })
    const keep = make(userId)
    await t.store.create(r)
    await t.store.create(keep)
    await t.sweep?.()
    // Forgotten, or (a store that keeps tombstones, such as Redis) read back as the expired
    // record it was, without its data: the manager reports either as ended, never as live.
    const gone = await t.store.get(r.id)
    assert.ok(
      gone === null ||
        (gone.id === r.id && expiresAt(gone) <= Date.now() && Object.keys(gone.data).length === 0),
    )
    assert.deepEqual(
      (await t.store.listByUser(userId)).map((s) => s.id),
      [keep.id],
    )
  })

  runPerUserCases(test, target)
  runVersionCases(test, target)

  test('ping answers while the backend is up', async () => {
    const { store } = target()
    await store.ping()
  })
}

// Fixture helpers for a store's own tests and for seeding benchmarks: records keyed by a token's
// hash, built exactly as the manager builds them.
export { freshRecord } from '../../core/record.js'
export { generateHandle, generateToken, hashToken } from '../../core/token.js'

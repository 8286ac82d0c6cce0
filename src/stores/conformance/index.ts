import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { TesseraError } from '../../core/errors.js'
import type { SessionRecord } from '../../core/record.js'
import type { SessionStore } from '../../core/store.js'
import { generateHandle, generateToken, hashToken } from '../../core/token.js'

/** What a store under test provides to the suite. */
export interface ConformanceTarget {
  store: SessionStore
  /**
   * Makes the store forget records whose deadline has passed (run a sweeper, advance a fake
   * clock…). Stores with native expiry can leave it out.
   */
  sweep?: () => Promise<void> | void
}

/** Registers one test; pass your runner's `it`/`test`. */
export type TestFn = (name: string, fn: () => Promise<void>) => void

/**
 * The store conformance suite: the semantics every store must honour, run against the real
 * backend. Each case uses fresh random user ids, so it can share a database with other data.
 *
 * @example
 * import { it } from 'vitest'
 * runStoreConformance(it, async () => ({ store: myStore }))
 */
export function runStoreConformance(test: TestFn, target: () => ConformanceTarget): void {
  const user = () => `user-${randomBytes(6).toString('hex')}`
  const make = (userId: string | null, over: Partial<SessionRecord> = {}): SessionRecord => {
    const now = Date.now()
    return {
      id: hashToken(generateToken()),
      handle: generateHandle(),
      userId,
      data: { n: 1, s: 'x', nested: { a: [1, 2] } },
      createdAt: now,
      lastSeenAt: now,
      renewedAt: now,
      authenticatedAt: userId ? now : null,
      idleExpiresAt: now + 60_000,
      absoluteExpiresAt: now + 600_000,
      meta: {
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0 test',
        authMethod: 'password',
        device: { browser: 'Chrome', os: 'Linux', type: 'desktop' },
      },
      ...over,
    }
  }

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
    assert.equal(await t.store.get(r.id), null)
    assert.deepEqual(
      (await t.store.listByUser(userId)).map((s) => s.id),
      [keep.id],
    )
  })

  test('evict-oldest removes the least recently active sessions beyond the cap', async () => {
    const { store } = target()
    const userId = user()
    const now = Date.now()
    const rs = [
      make(userId, { lastSeenAt: now - 3000 }),
      make(userId, { lastSeenAt: now - 1000 }),
      make(userId, { lastSeenAt: now - 2000 }),
    ]
    for (const r of rs) await store.create(r)
    const fresh = make(userId)
    const { evicted } = await store.create(fresh, { limit: { max: 2, policy: 'evict-oldest' } })
    assert.deepEqual(evicted.map((e) => e.id).sort(), [rs[0]!.id, rs[2]!.id].sort())
    assert.deepEqual(
      (await store.listByUser(userId)).map((s) => s.id).sort(),
      [rs[1]!.id, fresh.id].sort(),
    )
  })

  test('reject-new refuses at the cap and leaves everything as it was', async () => {
    const { store } = target()
    const userId = user()
    const a = make(userId)
    const b = make(userId)
    await store.create(a)
    await store.create(b)
    const c = make(userId)
    await assert.rejects(
      store.create(c, { limit: { max: 2, policy: 'reject-new' } }),
      (e: unknown) => e instanceof TesseraError && e.code === 'ERR_SESSION_LIMIT',
    )
    assert.equal(await store.get(c.id), null)
    assert.equal((await store.listByUser(userId)).length, 2)
    // Replacing one of your own sessions does not count against the cap.
    const a2 = { ...a, id: hashToken(generateToken()) }
    await store.create(a2, { replaces: a.id, limit: { max: 2, policy: 'reject-new' } })
    assert.equal((await store.listByUser(userId)).length, 2)
  })

  for (const policy of ['evict-oldest', 'reject-new'] as const) {
    test(`50 concurrent logins of one user with cap 3 and ${policy} leave exactly 3 sessions`, async () => {
      const { store } = target()
      const userId = user()
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          store.create(make(userId, { lastSeenAt: Date.now() + i }), { limit: { max: 3, policy } }),
        ),
      )
      for (const r of results)
        if (r.status === 'rejected')
          assert.equal((r.reason as TesseraError).code, 'ERR_SESSION_LIMIT')
      const live = await store.listByUser(userId)
      assert.equal(live.length, 3)
      for (const s of live) assert.notEqual(await store.get(s.id), null)
      if (policy === 'reject-new')
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3)
    })
  }

  test('sessions are listed per user and revoked by handle only for their owner', async () => {
    const { store } = target()
    const alice = user()
    const bob = user()
    const a1 = make(alice)
    const a2 = make(alice)
    const b1 = make(bob)
    for (const r of [a1, a2, b1]) await store.create(r)
    assert.deepEqual((await store.listByUser(alice)).map((s) => s.id).sort(), [a1.id, a2.id].sort())
    assert.equal(await store.destroyByHandle(a1.handle, { userId: bob }), null)
    assert.notEqual(await store.get(a1.id), null)
    assert.equal((await store.destroyByHandle(a1.handle, { userId: alice }))?.id, a1.id)
    assert.equal(await store.get(a1.id), null)
    assert.equal((await store.destroyByHandle(b1.handle))?.id, b1.id)
    assert.equal(await store.destroyByHandle('no-such-handle'), null)
  })

  test('destroyByUser ends every session of a user except the one named', async () => {
    const { store } = target()
    const userId = user()
    const rs = [make(userId), make(userId), make(userId)]
    for (const r of rs) await store.create(r)
    const other = make(user())
    await store.create(other)
    const ended = await store.destroyByUser(userId, { except: rs[0]!.id })
    assert.deepEqual(ended.map((r) => r.id).sort(), [rs[1]!.id, rs[2]!.id].sort())
    assert.deepEqual(
      (await store.listByUser(userId)).map((s) => s.id),
      [rs[0]!.id],
    )
    assert.notEqual(await store.get(other.id), null)
    assert.equal((await store.destroyByUser(userId)).length, 1)
    assert.deepEqual(await store.listByUser(userId), [])
  })

  test('anonymous sessions are stored without a user index entry', async () => {
    const { store } = target()
    const r = make(null)
    await store.create(r)
    assert.equal((await store.get(r.id))?.userId, null)
    const upgraded = make(user())
    await store.create(upgraded, { replaces: r.id, limit: { max: 1, policy: 'reject-new' } })
    assert.equal(await store.get(r.id), null)
  })

  test('hostile user ids, handles and data keys are plain data', async () => {
    const { store } = target()
    const hostile = [
      "'; DROP TABLE sessions; --",
      '{tag}*?[]',
      'ü\u0000\u2028',
      `${'x'.repeat(1000)}`,
      '__proto__',
      '..\\..',
    ]
    for (const h of hostile) {
      const userId = `${h}-${randomBytes(4).toString('hex')}`
      const data = { [h]: h, constructor: 'c', 'a.b': { $x: 1 } }
      const r = make(userId, { data })
      await store.create(r)
      const got = await store.get(r.id)
      assert.equal(got?.userId, userId)
      assert.deepEqual(got?.data, JSON.parse(JSON.stringify(data)))
      assert.equal(await store.update(r.id, { set: { [h]: 2 }, unset: ['a.b'] }), true)
      assert.deepEqual(
        (await store.get(r.id))?.data,
        JSON.parse(JSON.stringify({ ...data, [h]: 2, 'a.b': undefined })),
      )
      assert.deepEqual(
        (await store.listByUser(userId)).map((s) => s.id),
        [r.id],
      )
      assert.equal(await store.get(h), null)
      assert.equal(await store.destroyByHandle(h), null)
      assert.equal((await store.destroyByUser(userId)).length, 1)
    }
  })

  test('ping answers while the backend is up', async () => {
    const { store } = target()
    await store.ping()
  })
}

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { TesseraError } from '../../core/errors.js'
import { generateToken, hashToken } from '../../core/token.js'
import type { ConformanceTarget, TestFn } from './index.js'
import { conformanceFixtures } from './sample.js'

/**
 * The per-user part of the conformance suite: the cap (both policies, also under 50 concurrent
 * logins), listing and revocation by user and by handle, anonymous sessions, hostile keys.
 * `runStoreConformance` runs it; it is exported for stores that want only this part.
 *
 * @example
 * runPerUserCases(it, () => ({ store }))
 */
export function runPerUserCases(test: TestFn, target: () => ConformanceTarget): void {
  const { user, make } = conformanceFixtures()

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
}

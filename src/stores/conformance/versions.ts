import assert from 'node:assert/strict'
import { generateToken, hashToken } from '../../core/token.js'
import type { ConformanceTarget, TestFn } from './index.js'
import { conformanceFixtures } from './sample.js'

const newId = (): string => hashToken(generateToken())

/**
 * The compare-and-set part of the conformance suite: record versions, conditional updates and
 * conditional replacements. The session manager builds every race-free lifecycle step on these
 * (see docs/concurrency.md). `runStoreConformance` runs it; it is exported for stores that want
 * only this part.
 *
 * @example
 * import { it } from 'vitest'
 * runVersionCases(it, () => ({ store: myStore }))
 */
export function runVersionCases(test: TestFn, target: () => ConformanceTarget): void {
  const { user, make } = conformanceFixtures()

  test('a record keeps the version it was created with, and every update adds one', async () => {
    const { store } = target()
    const r = make(user(), { version: 7 })
    await store.create(r)
    assert.equal((await store.get(r.id))?.version, 7)
    await store.update(r.id, { set: { a: 1 } })
    await store.update(r.id, { lastSeenAt: r.lastSeenAt + 1, idleExpiresAt: r.idleExpiresAt + 1 })
    assert.equal((await store.get(r.id))?.version, 9)
  })

  test('a conditional update applies only at the expected version', async () => {
    const { store } = target()
    const r = make(user())
    await store.create(r)
    assert.equal(await store.update(r.id, { set: { a: 1 }, expectVersion: 2 }), false)
    const unchanged = await store.get(r.id)
    assert.equal(unchanged?.version, 1)
    assert.equal(unchanged?.data.a, undefined)
    assert.equal(await store.update(r.id, { set: { a: 2 }, expectVersion: 1 }), true)
    const changed = await store.get(r.id)
    assert.equal(changed?.version, 2)
    assert.equal(changed?.data.a, 2)
  })

  test('of many concurrent conditional updates at one version exactly one applies', async () => {
    const { store } = target()
    const r = make(user(), { data: {} })
    await store.create(r)
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.update(r.id, { set: { [`k${i}`]: i }, expectVersion: 1 }),
      ),
    )
    assert.equal(results.filter(Boolean).length, 1)
    const got = await store.get(r.id)
    assert.equal(got?.version, 2)
    assert.equal(Object.keys(got?.data ?? {}).length, 1)
  })

  test('update does not follow a renewal alias (the caller resolves it with get)', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    const next = { ...old, id: newId() }
    await store.create(next, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    assert.equal(await store.update(old.id, { set: { lost: true } }), false)
    assert.equal((await store.get(next.id))?.data.lost, undefined)
  })

  test('a replacement at the expected version replaces; at another version it writes nothing', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    await store.update(old.id, { set: { moved: 1 } })
    const stale = { ...old, id: newId() }
    const lost = await store.create(stale, { replaces: old.id, expectVersion: 1 })
    assert.equal(lost.skipped, true)
    assert.equal(await store.get(stale.id), null)
    assert.equal((await store.get(old.id))?.version, 2)
    assert.deepEqual(
      (await store.listByUser(old.userId!)).map((s) => s.id),
      [old.id],
    )
    const fresh = { ...old, id: newId() }
    const won = await store.create(fresh, { replaces: old.id, expectVersion: 2 })
    assert.notEqual(won.skipped, true)
    assert.equal(await store.get(old.id), null)
    assert.deepEqual(
      (await store.listByUser(old.userId!)).map((s) => s.id),
      [fresh.id],
    )
  })

  test('a regeneration of a session that was revoked meanwhile writes nothing', async () => {
    const { store } = target()
    const userId = user()
    const old = make(userId)
    await store.create(old)
    assert.equal((await store.destroyByUser(userId)).length, 1)
    const result = await store.create(
      { ...old, id: newId() },
      { replaces: old.id, limit: { max: 3, policy: 'evict-oldest' } },
    )
    assert.equal(result.skipped, true)
    assert.deepEqual(await store.listByUser(userId), [])
  })

  test('a replacement names the record itself: a grace alias is not followed', async () => {
    const { store } = target()
    const old = make(user())
    await store.create(old)
    const next = { ...old, id: newId() }
    await store.create(next, { replaces: old.id, graceUntil: Date.now() + 60_000 })
    const viaAlias = await store.create({ ...old, id: newId() }, { replaces: old.id })
    assert.equal(viaAlias.skipped, true)
    assert.equal((await store.get(next.id))?.id, next.id)
    assert.deepEqual(
      (await store.listByUser(old.userId!)).map((s) => s.id),
      [next.id],
    )
  })

  test('a lost replacement never counts against the cap, even under reject-new', async () => {
    const { store } = target()
    const userId = user()
    const a = make(userId)
    const b = make(userId)
    await store.create(a)
    await store.create(b)
    await store.update(a.id, { set: { x: 1 } })
    const result = await store.create(
      { ...a, id: newId() },
      { replaces: a.id, expectVersion: 1, limit: { max: 2, policy: 'reject-new' } },
    )
    assert.equal(result.skipped, true)
    assert.deepEqual((await store.listByUser(userId)).map((s) => s.id).sort(), [a.id, b.id].sort())
  })

  test('of concurrent replacements at one version exactly one wins: one live successor', async () => {
    const { store } = target()
    const userId = user()
    const old = make(userId)
    await store.create(old)
    const successors = Array.from({ length: 8 }, () => ({ ...old, id: newId() }))
    const results = await Promise.all(
      successors.map((s) =>
        store.create(s, {
          replaces: old.id,
          expectVersion: 1,
          limit: { max: 3, policy: 'evict-oldest' },
        }),
      ),
    )
    assert.equal(results.filter((r) => r.skipped !== true).length, 1)
    const live = await store.listByUser(userId)
    assert.equal(live.length, 1)
    assert.ok(successors.some((s) => s.id === live[0]?.id))
    assert.equal(await store.get(old.id), null)
  })
}

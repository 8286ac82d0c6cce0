import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { createSessions } from '../../core/manager.js'
import { generateToken, hashToken } from '../../core/token.js'
import { sampleRecord } from '../conformance/sample.js'
import { runStoreConformance } from '../conformance/index.js'
import { postgresStore } from './index.js'
import { testDatabase } from './test-database.js'

const db = await testDatabase('store')
const { admin, schema, up, url: DATABASE_URL } = db
const makeStore = db.store
afterAll(db.drop)

const record = sampleRecord

describe.skipIf(!up)('PostgreSQL store conformance', () => {
  const store = makeStore()
  runStoreConformance(it, () => ({ store, sweep: async () => void (await store.sweep()) }))
})

describe.skipIf(!up)('PostgreSQL store', () => {
  it('creates its tables, indexes and schema version on first use', async () => {
    await makeStore({ tablePrefix: 'schema_' }).ping()
    const version = await admin.query(`SELECT version FROM "${schema}".schema_schema_version`)
    expect(version.rows).toEqual([{ version: 2 }])
    const indexes = await admin.query(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [schema, 'schema_sessions'],
    )
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        'schema_sessions_handle',
        'schema_sessions_user',
        'schema_sessions_expiry',
      ]),
    )
    // A second instance finds the schema current and changes nothing.
    await makeStore({ tablePrefix: 'schema_' }).ping()
  })

  it('refuses bad schema and prefix names and a missing connection', () => {
    const base = { connectionString: DATABASE_URL }
    expect(() => postgresStore({ ...base, schema: 'a"; DROP' })).toThrow(/schema/)
    expect(() => postgresStore({ ...base, tablePrefix: 'Upper' })).toThrow(/tablePrefix/)
    expect(() => postgresStore({})).toThrow(/connectionString/)
  })

  it('refuses a schema newer than this code', async () => {
    await makeStore({ tablePrefix: 'newer_' }).ping()
    await admin.query(`UPDATE "${schema}".newer_schema_version SET version = 99`)
    await expect(makeStore({ tablePrefix: 'newer_' }).ping()).rejects.toThrow(/newer than/)
  })

  it('sweeps rows past the earlier of the idle and absolute deadlines, and expired aliases', async () => {
    const clock = manualClock(Date.now())
    const store = makeStore({ tablePrefix: 'sweep_', clock })
    const now = clock.now()
    const idle = record(now, { idleExpiresAt: now + 1000, absoluteExpiresAt: now + 9000 })
    const absolute = record(now, { idleExpiresAt: now + 9000, absoluteExpiresAt: now + 2000 })
    const keep = record(now, { idleExpiresAt: now + 5000, absoluteExpiresAt: now + 9000 })
    for (const r of [idle, absolute, keep]) await store.create(r)
    const next = { ...keep, id: hashToken(generateToken()) }
    await store.create(next, { replaces: keep.id, graceUntil: now + 1500 })
    expect((await store.get(keep.id))?.id).toBe(next.id)
    clock.advance(1000)
    expect(await store.sweep()).toBe(1)
    expect(await store.get(idle.id)).toBeNull()
    expect(await store.get(absolute.id)).not.toBeNull()
    clock.advance(1000)
    expect(await store.sweep()).toBe(1)
    expect(await store.get(absolute.id)).toBeNull()
    expect(await store.get(keep.id)).toBeNull()
    const aliases = await admin.query(
      `SELECT count(*)::int AS n FROM "${schema}".sweep_session_aliases`,
    )
    expect(aliases.rows[0].n).toBe(0)
    expect(await store.get(next.id)).not.toBeNull()
  })

  it('an update of a missing row is a no-op that returns false', async () => {
    const store = makeStore()
    const id = hashToken(generateToken())
    expect(await store.update(id, { lastSeenAt: 1 })).toBe(false)
    expect(await store.update(id, { set: { a: 1 }, meta: { ip: '192.0.2.1' } })).toBe(false)
    expect(await store.get(id)).toBeNull()
  })

  it('holds a hash of the token but never the raw token, in any table', async () => {
    const store = makeStore({ tablePrefix: 'raw_' })
    const sessions = createSessions({ store })
    const session = await sessions.load({})
    session.set('cart', ['book'])
    await session.commit()
    const token = /=([^;]+)/.exec(session.setCookie ?? '')?.[1]
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const tables = await admin.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    )
    let dump = ''
    for (const { table_name } of tables.rows) {
      const rows = await admin.query(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`)
      dump += rows.rows.map((r) => r.row).join('\n')
    }
    expect(dump).toContain(hashToken(token!))
    expect(dump).toContain('book')
    expect(dump).not.toContain(token)
  })

  it('a new pool and store instance sees every committed session', async () => {
    const first = makeStore({ tablePrefix: 'durable_' })
    const rs = Array.from({ length: 20 }, (_, i) => record(Date.now(), { userId: `d${i % 3}` }))
    for (const r of rs) await first.create(r)
    await first.update(rs[0]!.id, { set: { added: 1 } })
    await first.destroy(rs[1]!.id)
    await first.close()
    const second = makeStore({ tablePrefix: 'durable_' })
    expect((await second.get(rs[0]!.id))?.data).toEqual({ k: 'v', added: 1 })
    expect(await second.get(rs[1]!.id)).toBeNull()
    for (const r of rs.slice(2)) expect(await second.get(r.id)).toEqual(r)
  })

  it('two app instances (two pools) logging one user in 25 times each keep the cap of 3', async () => {
    const a = makeStore({ tablePrefix: 'cap_' })
    const b = makeStore({ tablePrefix: 'cap_' })
    const limit = { max: 3, policy: 'evict-oldest' as const }
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).create(
          record(Date.now(), { userId: 'racer', lastSeenAt: Date.now() + i }),
          {
            limit,
          },
        ),
      ),
    )
    expect(await a.listByUser('racer')).toHaveLength(3)
  })

  it('measures bytes per session for 1000 sessions', async () => {
    const store = makeStore({ tablePrefix: 'size_' })
    const now = Date.now()
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.create(
            record(now, {
              userId: `user-${batch * 50 + i}`,
              data: { csrf: randomBytes(16).toString('base64url'), cart: ['a', 'b'] },
              meta: {
                ip: '203.0.113.7',
                userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0',
                device: { browser: 'Chrome', os: 'Linux', type: 'desktop' },
                authMethod: 'password',
              },
            }),
          ),
        ),
      )
    }
    const table = `"${schema}".size_sessions`
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n, avg(pg_column_size(t.*))::int AS row_bytes,
              pg_total_relation_size('${table}') AS total_bytes,
              pg_relation_size('${table}') AS heap_bytes
         FROM ${table} t`,
    )
    const m = rows[0] as { n: number; row_bytes: number; total_bytes: string; heap_bytes: string }
    const perSession = Math.round(Number(m.total_bytes) / m.n)
    console.log(
      `PostgreSQL bytes per session (n=${m.n}): row ${m.row_bytes} B (pg_column_size), ` +
        `heap ${Math.round(Number(m.heap_bytes) / m.n)} B, total with indexes ${perSession} B`,
    )
    expect(m.n).toBe(1000)
    expect(m.row_bytes).toBeLessThan(1024)
    expect(perSession).toBeLessThan(2048)
  })
})

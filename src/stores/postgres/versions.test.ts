import { afterAll, describe, expect, it } from 'vitest'
import { generateToken, hashToken } from '../../core/token.js'
import { sampleRecord } from '../conformance/sample.js'
import { recordParams } from './codec.js'
import { testDatabase } from './test-database.js'

const db = await testDatabase('versions')
const { admin, schema, up } = db
const makeStore = db.store
afterAll(db.drop)

const newId = () => hashToken(generateToken())

// The tables exactly as schema version 1 created them (before records had a version), written
// out here rather than taken from the migrations, so a later edit of those cannot hide a break.
const version1Schema = (s: string) => `
  CREATE SCHEMA IF NOT EXISTS "${s}";
  CREATE TABLE "${s}".old_schema_version (version integer NOT NULL);
  INSERT INTO "${s}".old_schema_version (version) VALUES (1);
  CREATE TABLE "${s}".old_sessions (
    id text PRIMARY KEY, handle text NOT NULL, user_id text, data jsonb NOT NULL,
    meta jsonb NOT NULL, created_at bigint NOT NULL, last_seen_at bigint NOT NULL,
    renewed_at bigint NOT NULL, authenticated_at bigint, idle_expires_at bigint NOT NULL,
    absolute_expires_at bigint NOT NULL,
    expires_at bigint GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED
  );
  CREATE UNIQUE INDEX old_sessions_handle ON "${s}".old_sessions (handle);
  CREATE INDEX old_sessions_user ON "${s}".old_sessions (user_id) WHERE user_id IS NOT NULL;
  CREATE INDEX old_sessions_expiry ON "${s}".old_sessions (expires_at);
  CREATE TABLE "${s}".old_session_aliases (
    id text PRIMARY KEY,
    session_id text NOT NULL REFERENCES "${s}".old_sessions (id) ON DELETE CASCADE,
    expires_at bigint NOT NULL
  );`

describe.skipIf(!up)('PostgreSQL store record versions', () => {
  it('a schema of version 1 is migrated in place: its sessions read at version 1 and take conditional writes', async () => {
    await admin.query(version1Schema(schema))
    const kept = sampleRecord(Date.now(), { userId: 'migrated' })
    const replaced = sampleRecord(Date.now(), { userId: 'migrated' })
    for (const r of [kept, replaced]) {
      // A version-1 row: every column of today's record but the version.
      await admin.query(
        `INSERT INTO "${schema}".old_sessions (id, handle, user_id, data, meta, created_at,
           last_seen_at, renewed_at, authenticated_at, idle_expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        recordParams(r).slice(0, 11),
      )
    }

    const store = makeStore({ tablePrefix: 'old_' })
    expect(await store.get(kept.id)).toEqual({ ...kept, version: 1 })
    expect(await store.update(kept.id, { set: { a: 1 }, expectVersion: 2 })).toBe(false)
    expect(await store.update(kept.id, { set: { a: 1 }, expectVersion: 1 })).toBe(true)
    expect((await store.get(kept.id))?.version).toBe(2)
    const next = sampleRecord(Date.now(), { userId: 'migrated' })
    expect(await store.create(next, { replaces: replaced.id, expectVersion: 1 })).toEqual({
      evicted: [],
    })
    expect((await store.listByUser('migrated')).map((r) => r.id).sort()).toEqual(
      [kept.id, next.id].sort(),
    )

    const version = await admin.query(`SELECT version FROM "${schema}".old_schema_version`)
    expect(version.rows).toEqual([{ version: 2 }])
    const column = await admin.query(
      `SELECT data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'old_sessions' AND column_name = 'version'`,
      [schema],
    )
    expect(column.rows).toEqual([{ data_type: 'integer', is_nullable: 'NO' }])
    // A second instance finds the schema current and migrates nothing.
    expect((await makeStore({ tablePrefix: 'old_' }).get(kept.id))?.version).toBe(2)
  })

  it('20 replacements of one record at one version raced over two pools leave exactly one successor', async () => {
    const a = makeStore({ tablePrefix: 'race_' })
    const b = makeStore({ tablePrefix: 'race_' })
    const now = Date.now()
    const userId = 'racer'
    const others = [sampleRecord(now, { userId }), sampleRecord(now, { userId })]
    const old = sampleRecord(now, { userId })
    for (const r of [...others, old]) await a.create(r)
    await b.ping()
    const limit = { max: 3, policy: 'evict-oldest' as const }
    const successors = Array.from({ length: 20 }, () => ({ ...old, id: newId() }))
    const results = await Promise.all(
      successors.map((s, i) =>
        (i % 2 ? a : b).create(s, { replaces: old.id, expectVersion: 1, limit }),
      ),
    )
    expect(results.filter((r) => r.skipped !== true)).toHaveLength(1)
    // A lost replacement never evicts: the user's other sessions are all still there.
    expect(results.flatMap((r) => r.evicted)).toEqual([])
    const live = (await b.listByUser(userId)).map((r) => r.id)
    expect(live).toHaveLength(3)
    expect(live).toEqual(expect.arrayContaining(others.map((r) => r.id)))
    expect(successors.filter((s) => live.includes(s.id))).toHaveLength(1)
    expect(await a.get(old.id)).toBeNull()
  })

  it('20 sign-ins of one anonymous session as 20 different users, raced over two pools, leave exactly one', async () => {
    // Different users take different advisory locks, so here only the replaced row's lock
    // serialises the replacements.
    const a = makeStore({ tablePrefix: 'signin_' })
    const b = makeStore({ tablePrefix: 'signin_' })
    const anonymous = sampleRecord(Date.now(), { userId: null, authenticatedAt: null })
    await a.create(anonymous)
    await b.ping()
    const limit = { max: 3, policy: 'reject-new' as const }
    const signedIn = Array.from({ length: 20 }, (_, i) => ({
      ...anonymous,
      id: newId(),
      userId: `signin-${i}`,
    }))
    const results = await Promise.all(
      signedIn.map((s, i) => (i % 2 ? a : b).create(s, { replaces: anonymous.id, limit })),
    )
    expect(results.filter((r) => r.skipped !== true)).toHaveLength(1)
    const winner = signedIn[results.findIndex((r) => r.skipped !== true)]!
    const live = await admin.query(`SELECT id, user_id FROM "${schema}".signin_sessions`)
    expect(live.rows).toEqual([{ id: winner.id, user_id: winner.userId }])
  })
})

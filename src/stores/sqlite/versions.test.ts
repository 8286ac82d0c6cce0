import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { SessionRecord } from '../../core/record.js'
import { generateToken, hashToken } from '../../core/token.js'
import { sampleRecord } from '../conformance/sample.js'
import { sqliteStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-versions-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const newId = () => hashToken(generateToken())

// The tables exactly as schema version 1 created them (before records had a version), written
// out here rather than taken from the migrations, so a later edit of those cannot hide a break.
const VERSION_1_SCHEMA = `
  CREATE TABLE tessera_schema_version (version INTEGER NOT NULL);
  INSERT INTO tessera_schema_version (version) VALUES (1);
  CREATE TABLE tessera_sessions (
    id TEXT PRIMARY KEY, handle TEXT NOT NULL, user_id TEXT, data TEXT NOT NULL,
    meta TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL, authenticated_at INTEGER, idle_expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    expires_at INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) STORED
  );
  CREATE UNIQUE INDEX tessera_sessions_handle ON tessera_sessions (handle);
  CREATE INDEX tessera_sessions_user ON tessera_sessions (user_id, last_seen_at) WHERE user_id IS NOT NULL;
  CREATE INDEX tessera_sessions_expiry ON tessera_sessions (expires_at);
  CREATE TABLE tessera_session_aliases (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES tessera_sessions (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX tessera_session_aliases_session ON tessera_session_aliases (session_id);
  CREATE INDEX tessera_session_aliases_expiry ON tessera_session_aliases (expires_at);`

/** Writes `r` into a version-1 database, as a Tessera of that schema would have. */
function insertVersion1Row(db: Database.Database, r: SessionRecord): void {
  db.prepare(
    `INSERT INTO tessera_sessions (id, handle, user_id, data, meta, created_at, last_seen_at,
       renewed_at, authenticated_at, idle_expires_at, absolute_expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    r.id,
    r.handle,
    r.userId,
    JSON.stringify(r.data),
    JSON.stringify(r.meta),
    r.createdAt,
    r.lastSeenAt,
    r.renewedAt,
    r.authenticatedAt,
    r.idleExpiresAt,
    r.absoluteExpiresAt,
  )
}

describe('SQLite store record versions', () => {
  it('a database of schema version 1 is migrated in place: its sessions read at version 1 and take conditional writes', async () => {
    const path = join(dir, 'schema-1.db')
    const old = new Database(path)
    old.exec(VERSION_1_SCHEMA)
    const kept = sampleRecord(Date.now(), { userId: 'migrated' })
    const replaced = sampleRecord(Date.now(), { userId: 'migrated' })
    insertVersion1Row(old, kept)
    insertVersion1Row(old, replaced)
    old.close()

    const store = sqliteStore({ path, sweepIntervalMs: 0 })
    expect(await store.get(kept.id)).toEqual({ ...kept, version: 1 })
    expect(await store.update(kept.id, { set: { a: 1 }, expectVersion: 2 })).toBe(false)
    expect(await store.update(kept.id, { set: { a: 1 }, expectVersion: 1 })).toBe(true)
    expect((await store.get(kept.id))?.version).toBe(2)
    const next = sampleRecord(Date.now(), { userId: 'migrated', version: 1 })
    expect(await store.create(next, { replaces: replaced.id, expectVersion: 1 })).toEqual({
      evicted: [],
    })
    expect((await store.listByUser('migrated')).map((r) => r.id).sort()).toEqual(
      [kept.id, next.id].sort(),
    )
    await store.close()

    const db = new Database(path, { readonly: true })
    expect(db.prepare('SELECT version FROM tessera_schema_version').all()).toEqual([{ version: 2 }])
    const column = (
      db.pragma('table_info(tessera_sessions)') as { name: string; notnull: number }[]
    )
      .filter((c) => c.name === 'version')
      .map((c) => c.notnull)
    expect(column).toEqual([1])
    db.close()
    // Opening it again finds the schema current and migrates nothing.
    const again = sqliteStore({ path, sweepIntervalMs: 0 })
    expect((await again.get(kept.id))?.version).toBe(2)
    await again.close()
  })

  it('20 replacements of one record at one version raced over two store instances on one file leave exactly one successor', async () => {
    const path = join(dir, 'race.db')
    const a = sqliteStore({ path, sweepIntervalMs: 0 })
    const b = sqliteStore({ path, sweepIntervalMs: 0 })
    const now = Date.now()
    const userId = 'racer'
    const others = [sampleRecord(now, { userId }), sampleRecord(now, { userId })]
    const old = sampleRecord(now, { userId })
    for (const r of [...others, old]) await a.create(r)
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
    await a.close()
    await b.close()
  })
})

describe('opening a database file', () => {
  it('creates missing folders on the way to the file', () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-dir-'))
    const path = join(root, 'data', 'nested', 'sessions.db')
    const store = sqliteStore({ path })
    expect(existsSync(path)).toBe(true)
    void store.close()
  })

  it('names the path when the database cannot be opened', () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-dir-'))
    const file = join(root, 'plain-file')
    writeFileSync(file, 'not a folder')
    expect(() => sqliteStore({ path: join(file, 'sessions.db') })).toThrow(/plain-file/)
  })
})

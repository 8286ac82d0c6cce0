import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { TesseraError } from '../../core/errors.js'
import { createSessions } from '../../core/manager.js'
import { generateToken, hashToken } from '../../core/token.js'
import { sampleRecord } from '../conformance/sample.js'
import { runStoreConformance } from '../conformance/index.js'
import { sqliteStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const record = sampleRecord

describe('SQLite store conformance', () => {
  const store = sqliteStore({ path: join(dir, 'conformance.db') })
  afterAll(() => store.close())
  runStoreConformance(it, () => ({ store, sweep: () => void store.sweep() }))
})

describe('SQLite store', () => {
  it('opens in WAL mode with the chosen synchronous level and records its schema version', async () => {
    const path = join(dir, 'pragmas.db')
    const store = sqliteStore({ path, synchronous: 'normal' })
    await store.close()
    const db = new Database(path)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    const version = db.prepare('SELECT version FROM tessera_schema_version').get()
    expect(version).toEqual({ version: 2 })
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
      .all('tessera_sessions')
      .map((r) => (r as { name: string }).name)
    expect(indexes).toEqual(
      expect.arrayContaining([
        'tessera_sessions_handle',
        'tessera_sessions_user',
        'tessera_sessions_expiry',
      ]),
    )
    db.close()
    // Reopening an up-to-date file migrates nothing and keeps the version.
    await sqliteStore({ path }).close()
  })

  it('refuses a table prefix that is not a plain identifier', () => {
    expect(() => sqliteStore({ path: ':memory:', tablePrefix: 'x; DROP TABLE y' })).toThrow(
      /tablePrefix/,
    )
    expect(() => sqliteStore({ path: ':memory:', tablePrefix: '' })).toThrow(/tablePrefix/)
  })

  it('refuses an unknown synchronous level and a path it cannot open', () => {
    expect(() =>
      sqliteStore({ path: ':memory:', synchronous: 'off' as unknown as 'full' }),
    ).toThrow(/synchronous/)
    // A missing folder is created (see versions.test.ts); a file in the way cannot be.
    writeFileSync(join(dir, 'in-the-way'), 'x')
    expect(() => sqliteStore({ path: join(dir, 'in-the-way', 'x.db') })).toThrow(
      /cannot open SQLite/,
    )
  })

  it('refuses a database whose schema is newer than this code', async () => {
    const path = join(dir, 'newer.db')
    await sqliteStore({ path }).close()
    const db = new Database(path)
    db.prepare('UPDATE tessera_schema_version SET version = 99').run()
    db.close()
    expect(() => sqliteStore({ path })).toThrow(/newer than this Tessera/)
  })

  it('sweeps rows past the earlier of the idle and absolute deadlines, and expired aliases', async () => {
    const clock = manualClock()
    const store = sqliteStore({ path: ':memory:', clock, sweepIntervalMs: 0 })
    const now = clock.now()
    const idle = record(now, { idleExpiresAt: now + 1000, absoluteExpiresAt: now + 9000 })
    const absolute = record(now, { idleExpiresAt: now + 9000, absoluteExpiresAt: now + 2000 })
    const keep = record(now, { idleExpiresAt: now + 5000, absoluteExpiresAt: now + 9000 })
    for (const r of [idle, absolute, keep]) await store.create(r)
    const next = { ...keep, id: hashToken(generateToken()) }
    await store.create(next, { replaces: keep.id, graceUntil: now + 1500 })
    expect((await store.get(keep.id))?.id).toBe(next.id)
    clock.advance(1000)
    expect(store.sweep()).toBe(1)
    expect(await store.get(idle.id)).toBeNull()
    expect(await store.get(absolute.id)).not.toBeNull()
    clock.advance(1000)
    expect(store.sweep()).toBe(1)
    expect(await store.get(absolute.id)).toBeNull()
    expect(await store.get(keep.id)).toBeNull()
    expect(await store.get(next.id)).not.toBeNull()
    await store.close()
  })

  it('an update of a missing row is a no-op that returns false', async () => {
    const store = sqliteStore({ path: ':memory:' })
    const id = hashToken(generateToken())
    expect(await store.update(id, { lastSeenAt: 1 })).toBe(false)
    expect(await store.update(id, { set: { a: 1 }, meta: { ip: '192.0.2.1' } })).toBe(false)
    expect(await store.get(id)).toBeNull()
    await store.close()
  })

  it('rejects with ERR_STORE_UNAVAILABLE once the database is closed', async () => {
    const store = sqliteStore({ path: ':memory:' })
    await store.close()
    const error = await store.get(hashToken(generateToken())).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TesseraError)
    expect((error as TesseraError).code).toBe('ERR_STORE_UNAVAILABLE')
    await expect(store.ping()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })

  it('a write blocked past busyTimeoutMs by another connection rejects, and works once the lock is gone', async () => {
    const path = join(dir, 'busy.db')
    const store = sqliteStore({ path, busyTimeoutMs: 100 })
    const before = record(Date.now())
    await store.create(before)
    const other = new Database(path)
    other.prepare('BEGIN IMMEDIATE').run()
    try {
      const blocked = record(Date.now())
      await expect(store.create(blocked)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
      await expect(store.update(before.id, { set: { x: 1 } })).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      })
      // WAL: readers are never blocked by a writer.
      expect((await store.get(before.id))?.data).toEqual({ k: 'v' })
    } finally {
      other.prepare('COMMIT').run()
      other.close()
    }
    const after = record(Date.now())
    await store.create(after)
    expect(await store.get(after.id)).not.toBeNull()
    await store.close()
  })

  it('holds a hash of the token but never the raw token, in any table or file', async () => {
    const path = join(dir, 'no-raw-token.db')
    const store = sqliteStore({ path })
    const sessions = createSessions({ store, cookie: { secure: true } })
    const session = await sessions.load({})
    session.set('cart', ['book'])
    await session.commit()
    const token = /=([^;]+)/.exec(session.setCookie ?? '')?.[1]
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const db = new Database(path, { readonly: true })
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name)
    const dump = tables
      .map((name) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()))
      .join('\n')
    db.close()
    expect(dump).toContain(hashToken(token!))
    expect(dump).toContain('book')
    expect(dump).not.toContain(token)
    // The raw bytes too, while the write-ahead log holds the commit and after checkpointing.
    const files = () =>
      Buffer.concat([path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
    expect(files().includes(hashToken(token!))).toBe(true)
    expect(files().includes(token!)).toBe(false)
    await store.close()
    expect(files().includes(hashToken(token!))).toBe(true)
    expect(files().includes(token!)).toBe(false)
  })

  it('keeps every committed session when the store is closed and reopened', async () => {
    const path = join(dir, 'durable.db')
    const first = sqliteStore({ path })
    const now = Date.now()
    const rs = Array.from({ length: 20 }, (_, i) => record(now, { userId: `d${i % 3}` }))
    for (const r of rs) await first.create(r)
    await first.update(rs[0]!.id, { set: { added: 1 } })
    await first.destroy(rs[1]!.id)
    await first.close()
    const second = sqliteStore({ path })
    expect((await second.get(rs[0]!.id))?.data).toEqual({ k: 'v', added: 1 })
    expect(await second.get(rs[1]!.id)).toBeNull()
    for (const r of rs.slice(2)) expect(await second.get(r.id)).toEqual(r)
    await second.close()
  })

  it('two store instances on one file share sessions and the cap', async () => {
    const path = join(dir, 'shared.db')
    const a = sqliteStore({ path })
    const b = sqliteStore({ path })
    const now = Date.now()
    const limit = { max: 2, policy: 'reject-new' as const }
    await a.create(record(now, { userId: 'shared' }), { limit })
    await b.create(record(now, { userId: 'shared' }), { limit })
    await expect(a.create(record(now, { userId: 'shared' }), { limit })).rejects.toMatchObject({
      code: 'ERR_SESSION_LIMIT',
    })
    expect(await b.listByUser('shared')).toHaveLength(2)
    await a.close()
    await b.close()
  })
})

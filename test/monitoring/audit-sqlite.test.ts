import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { auditFromUrl } from '../../src/monitoring/audit/from-url.js'
import { sqliteAudit } from '../../src/monitoring/audit/sqlite.js'
import { auditBackendSuite } from './suite.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

auditBackendSuite('SQLite', {
  open: async () => sqliteAudit({ path: join(dir, 'audit.db'), table: 'audit_suite' }),
  drop: async () => {},
})

describe('the SQLite audit backend', () => {
  it('shares a database it was given, in its own table, and leaves it open', async () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE sessions (id TEXT)')
    const backend = sqliteAudit({ database: db, table: 'my_audit' })
    await backend.append([
      { type: 'session_logout', level: 'info', time: new Date(0).toISOString() },
    ])
    await backend.close()
    expect(db.prepare('SELECT count(*) AS n FROM my_audit').get()).toEqual({ n: 1 })
    expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 })
    db.close()
  })

  it('opens from a STORE_URL next to the sessions file', async () => {
    const backend = await auditFromUrl(`sqlite:${join(dir, 'app.db')}`)
    await backend.append([
      { type: 'session_created', level: 'info', time: new Date(5).toISOString(), userId: 'u9' },
    ])
    expect(await backend.query({ userId: 'u9' })).toEqual([
      {
        id: '1',
        type: 'session_created',
        level: 'info',
        time: new Date(5).toISOString(),
        userId: 'u9',
        handle: null,
      },
    ])
    await backend.close()
  })

  it('refuses a table name that is not a plain identifier', () => {
    for (const table of ['x; DROP TABLE y', 'a-b', '', '1abc', 'a'.repeat(64)])
      expect(() => sqliteAudit({ path: ':memory:', table })).toThrow(/plain identifier/)
  })

  it('refuses an unknown URL scheme', async () => {
    await expect(auditFromUrl('mysql://x')).rejects.toThrow(/audit URL must start with/)
  })
})

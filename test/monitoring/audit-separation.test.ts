import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEventType } from '../../src/core/events.js'
import { auditLog } from '../../src/monitoring/audit/log.js'
import { memoryAudit } from '../../src/monitoring/audit/memory.js'
import { postgresAudit } from '../../src/monitoring/audit/postgres.js'
import { redisAudit } from '../../src/monitoring/audit/redis.js'
import { sqliteAudit } from '../../src/monitoring/audit/sqlite.js'
import type { AuditBackend } from '../../src/monitoring/audit/types.js'
import { service, uniqueName } from './services.js'

// Issue 13.3: security events live apart from lifecycle volume, with their own caps and
// retention, on every audit backend. Each backend gets a cap of 100 per kind, then a few
// security records and 3,000 lifecycle records after them: the lifecycle kind must be cut
// down while every security record survives, and the lifecycle retention must not take them.

const T0 = Date.UTC(2026, 2, 1, 12)
const CAP = 100
const VOLUME = 3000
const DAY = 86_400_000

const SECURITY: Array<[SessionEventType, 'warn' | 'critical', string]> = [
  ['malicious_csrf', 'critical', 'origin_mismatch'],
  ['authn_token_reuse', 'critical', 'refresh_reuse'],
  ['session_anomaly', 'warn', 'ip_change'],
  ['authn_login_fail', 'warn', 'bad_credentials'],
  ['session_token_unknown', 'warn', 'guessing'],
]

interface Opened {
  backend: AuditBackend
  /** How many lifecycle records the backend still holds, read outside the backend. */
  lifecycleHeld(): Promise<number>
  drop(): Promise<void>
}

const at = (ms: number) => new Date(ms).toISOString()

function backendCase(name: string, open: () => Promise<Opened | null>): void {
  describe(`the ${name} audit backend`, () => {
    let opened: Opened | null = null
    beforeAll(async () => {
      opened = await open()
    })
    afterAll(async () => {
      await opened?.drop()
    })

    it('keeps every security record through lifecycle volume beyond its cap, and past the lifecycle retention', async (t) => {
      if (!opened) return t.skip()
      const clock = manualClock(T0)
      const audit = auditLog(opened.backend, {
        clock,
        batchSize: 500,
        flushInterval: '1h',
        retention: '1d',
        securityRetention: '30d',
        perAddress: false,
      })
      for (const [i, [type, level, reason]] of SECURITY.entries())
        audit.record({ type, level, reason, time: at(T0 + i), ip: '198.51.100.7', userId: `v${i}` })
      for (let i = 0; i < VOLUME; i++) {
        audit.record({
          type: 'session_created',
          level: 'info',
          reason: 'login',
          time: at(T0 + 10 + i),
          userId: `u${i}`,
          handle: `h${i}`,
          ip: '203.0.113.5',
        })
      }
      await audit.flush()
      await audit.prune() // enforces the row caps where the backend caps at pruning (SQL)

      const held = await opened.lifecycleHeld()
      expect(held).toBeGreaterThanOrEqual(CAP)
      expect(held).toBeLessThan(VOLUME / 2) // the volume was cut down…
      const security = await audit.query({ kind: 'security', limit: 1000 })
      // …and not one security record went with it.
      expect(security.map((r) => [r.type, r.level, r.reason]).reverse()).toEqual(SECURITY)
      // Mixed queries see both kinds, newest first.
      const mixed = await audit.query({ limit: 1000 })
      expect(mixed[0]).toMatchObject({ type: 'session_created', userId: `u${VOLUME - 1}` })
      expect(mixed.filter((r) => r.level !== 'info')).toHaveLength(SECURITY.length)

      // The lifecycle retention (1 day) passes: lifecycle records go, security ones stay.
      clock.advance(2 * DAY)
      await audit.prune()
      expect(await opened.lifecycleHeld()).toBe(0)
      expect(await audit.query({ kind: 'security', limit: 1000 })).toHaveLength(SECURITY.length)
      // Their own retention (30 days) passes: now they go too.
      clock.advance(30 * DAY)
      await audit.prune()
      expect(await audit.query({ limit: 1000 })).toEqual([])
      await audit.close()
    })
  })
}

backendCase('memory', async () => {
  const backend = memoryAudit({ maxEntries: CAP, maxSecurityEntries: CAP })
  return {
    backend,
    lifecycleHeld: async () => (await backend.query({ kind: 'lifecycle', limit: 1000 })).length,
    drop: async () => {},
  }
})

const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-kinds-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

backendCase('SQLite', async () => {
  const path = join(dir, 'audit.db')
  const backend = sqliteAudit({ path, table: 'kinds', maxRows: CAP, maxSecurityRows: CAP })
  const Database = (await import('better-sqlite3')).default
  return {
    backend,
    lifecycleHeld: async () => {
      const db = new Database(path, { readonly: true })
      const row = db.prepare("SELECT count(*) AS n FROM kinds WHERE level = 'info'").get() as {
        n: number
      }
      db.close()
      return row.n
    },
    drop: async () => {},
  }
})

backendCase('PostgreSQL', async () => {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const table = uniqueName('audit_kinds')
  const pool = await service('PostgreSQL', async () => {
    const p = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 })
    p.on('error', () => {})
    try {
      await p.query('SELECT 1')
    } catch (error) {
      await p.end()
      throw error
    }
    return p
  })
  if (!pool) return null
  return {
    backend: postgresAudit({ connectionString: url, table, maxRows: CAP, maxSecurityRows: CAP }),
    lifecycleHeld: async () =>
      Number(
        (await pool.query(`SELECT count(*) AS n FROM ${table} WHERE level = 'info'`)).rows[0].n,
      ),
    drop: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`)
      await pool.end()
    },
  }
})

backendCase('Redis', async () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const key = `tessera-test:${uniqueName('audit-kinds')}`
  const admin = await service('Redis', async () => {
    const c = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3000 } })
    c.on('error', () => {})
    await c.connect()
    return c
  })
  if (!admin) return null
  return {
    backend: redisAudit({ url, key, maxLen: CAP, securityMaxLen: CAP }),
    lifecycleHeld: () => admin.xLen(key),
    drop: async () => {
      await admin.del([key, `${key}:security`])
      await admin.close()
    },
  }
})

backendCase('Redis Cluster', async () => {
  const url = inject('redisClusterUrl')
  const key = `tessera-test:${uniqueName('audit-kinds-cluster')}`
  const admin = await service('Redis Cluster', async () => {
    if (!url) throw new Error('no cluster was started (REDIS_CLUSTER_URL is empty)')
    const rootNodes = url
      .slice('redis-cluster://'.length)
      .split(',')
      .map((hp) => ({ url: `redis://${hp}` }))
    const c = createCluster({ rootNodes })
    c.on('error', () => {})
    await c.connect()
    return c
  })
  if (!admin) return null
  return {
    backend: redisAudit({ url, key, maxLen: CAP, securityMaxLen: CAP }),
    lifecycleHeld: () => admin.xLen(key),
    drop: async () => {
      // Two keys in two slots: one DEL each.
      await admin.del(key)
      await admin.del(`${key}:security`)
      await admin.close()
    },
  }
})

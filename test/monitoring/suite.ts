import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../src/core/events.js'
import { type AuditLog, auditLog } from '../../src/monitoring/audit/log.js'
import type { AuditBackend } from '../../src/monitoring/audit/types.js'
import { lifecycle, T0 } from './scenario.js'

/** How a backend test file opens (and afterwards removes) its own table or stream. */
export interface BackendFactory {
  /** A backend on a name unique to this file; null when the service is missing (skips). */
  open(): Promise<AuditBackend | null>
  /** Drops this file's table/stream. */
  drop(): Promise<void>
}

const at = (ms: number) => new Date(ms).toISOString()

function event(over: Partial<SessionEvent>): SessionEvent {
  return {
    type: 'session_created',
    level: 'info',
    time: at(T0),
    userId: 'u1',
    handle: 'h',
    ...over,
  }
}

/**
 * The audit backend suite: the whole lifecycle's exact events, the query API, retention and
 * control-character cleaning, against one real backend.
 */
export function auditBackendSuite(name: string, factory: BackendFactory): void {
  describe(`the ${name} audit log`, () => {
    let audit: AuditLog | null = null
    let skip = false
    beforeAll(async () => {
      const backend = await factory.open()
      if (!backend) skip = true
      else audit = auditLog(backend, { flushInterval: 5, batchSize: 7 })
    })
    afterAll(async () => {
      await audit?.close()
      if (!skip) await factory.drop()
    })

    it('records every lifecycle event with its exact fields and level', async (t) => {
      if (skip || !audit) return t.skip()
      const { expected } = await lifecycle([audit.listener])
      const got = await audit.query({ limit: 1000 })
      const rows = got.reverse().map(({ id, ...rest }) => {
        expect(id).toMatch(/\S/)
        return rest
      })
      expect(rows).toEqual(expected)
      expect(expected.map((e) => e.type)).toEqual([
        'authn_login_fail',
        'session_created',
        'authn_login_success',
        'session_renewed',
        'session_expired',
        'session_use_after_expire',
        'session_created',
        'authn_login_success',
        'session_logout',
        'session_created',
        'authn_login_success',
        'session_revoked',
        'session_created',
        'authn_login_success',
        'malicious_csrf',
        'session_created',
        'authn_login_success',
        'session_created',
        'excess_sessions_exceeded',
        'session_anomaly',
        'session_logout',
      ])
    })

    it('filters by user, type, time range and limit, newest first', async (t) => {
      if (skip || !audit) return t.skip()
      const base = T0 + 86_400_000
      for (let i = 0; i < 6; i++) {
        audit.record(
          event({
            type: i % 2 ? 'session_logout' : 'session_created',
            userId: i < 3 ? 'filter-a' : 'filter-b',
            time: at(base + i * 1000),
            handle: `h${i}`,
          }),
        )
      }
      const byUser = await audit.query({ userId: 'filter-a' })
      expect(byUser.map((r) => r.handle)).toEqual(['h2', 'h1', 'h0'])
      const byType = await audit.query({ userId: 'filter-b', type: 'session_logout' })
      expect(byType.map((r) => r.handle)).toEqual(['h5', 'h3'])
      const range = await audit.query({ from: base + 1000, to: base + 4000 })
      expect(range.map((r) => r.handle)).toEqual(['h3', 'h2', 'h1'])
      const limited = await audit.query({ from: base, limit: 2 })
      expect(limited.map((r) => r.handle)).toEqual(['h5', 'h4'])
      expect(await audit.query({ userId: 'nobody-at-all' })).toEqual([])
    })

    it('stores control characters neutralised, so a record renders on one line', async (t) => {
      if (skip || !audit) return t.skip()
      audit.record(
        event({
          userId: 'evil\r\nuser',
          handle: 'ctl',
          userAgent: 'UA\u2028line\u0085next\u001b[31m',
          time: at(T0 + 2 * 86_400_000),
        }),
      )
      const [r] = await audit.query({ userId: 'evil\\x0d\\x0auser' })
      expect(r).toMatchObject({ userAgent: 'UA\\u2028line\\x85next\\x1b[31m' })
      expect(JSON.stringify(r)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
    })

    it('prunes events older than the retention cut-off and keeps the rest', async (t) => {
      if (skip || !audit) return t.skip()
      const removed = await audit.backend.prune(T0 + 86_400_000)
      // Everything of the lifecycle (day 0) goes; the filter and control-character events stay.
      expect(removed).toBe(21)
      const left = await audit.query({ limit: 1000 })
      expect(left.length).toBe(7)
      expect(left.every((r) => Date.parse(r.time) >= T0 + 86_400_000)).toBe(true)
    })
  })
}

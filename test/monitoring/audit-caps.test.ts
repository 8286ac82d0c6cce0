import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { AddressCaps } from '../../src/monitoring/audit/caps.js'
import { isAnonymousLifecycle } from '../../src/monitoring/audit/kind.js'
import { auditLog } from '../../src/monitoring/audit/log.js'
import { memoryAudit } from '../../src/monitoring/audit/memory.js'

const T0 = Date.UTC(2026, 3, 1, 10)
const at = (ms: number) => new Date(ms).toISOString()

function ev(over: Partial<SessionEvent> = {}): SessionEvent {
  return { type: 'malicious_csrf', level: 'warn', time: at(T0), reason: 'no_session', ...over }
}

describe('the audit log and anonymous visitors', () => {
  it('keeps no routine record of anonymous sessions, but keeps their security events', async () => {
    const audit = auditLog(memoryAudit(), { flushInterval: '1h' })
    audit.record(ev({ type: 'session_created', level: 'info', reason: 'anonymous', handle: 'a' }))
    audit.record(ev({ type: 'session_expired', level: 'info', reason: 'idle', handle: 'a' }))
    audit.record(ev({ type: 'session_logout', level: 'info', reason: 'user', handle: 'a' }))
    audit.record(ev({ type: 'session_use_after_expire', level: 'warn', handle: 'a' }))
    audit.record(ev({ type: 'store_recovered', level: 'info', reason: undefined }))
    audit.record(
      ev({ type: 'session_created', level: 'info', reason: 'login', handle: 'b', userId: 'u1' }),
    )
    const kept = await audit.query()
    expect(kept.map((r) => r.type).reverse()).toEqual([
      'session_use_after_expire',
      'store_recovered',
      'session_created',
    ])
    await audit.close()
  })

  it('classifies by level and session owner (negative cases included)', () => {
    expect(
      isAnonymousLifecycle(ev({ type: 'session_created', level: 'info', reason: 'anonymous' })),
    ).toBe(true)
    expect(isAnonymousLifecycle(ev({ type: 'session_renewed', level: 'info', handle: 'h' }))).toBe(
      true,
    )
    expect(
      isAnonymousLifecycle(
        ev({ type: 'session_renewed', level: 'info', handle: 'h', userId: 'u' }),
      ),
    ).toBe(false)
    expect(
      isAnonymousLifecycle(ev({ type: 'malicious_csrf', level: 'critical', handle: 'h' })),
    ).toBe(false)
    expect(isAnonymousLifecycle(ev({ type: 'store_recovered', level: 'info' }))).toBe(false)
  })
})

describe('per-address caps on audit writes', () => {
  it('writes at most the limit per address, kind and window, and summarises the excess in one record', async () => {
    const clock = manualClock(T0)
    const audit = auditLog(memoryAudit(), {
      clock,
      flushInterval: '1h',
      perAddress: { limit: 3, window: '1m' },
    })
    for (let i = 0; i < 10; i++) audit.record(ev({ ip: '192.0.2.1', userId: `a${i}` }))
    for (let i = 0; i < 2; i++) audit.record(ev({ ip: '192.0.2.2', userId: `b${i}` }))
    // Lifecycle records of the noisy address have their own budget.
    for (let i = 0; i < 3; i++)
      audit.record(
        ev({ type: 'authn_login_success', level: 'info', ip: '192.0.2.1', userId: `c${i}` }),
      )
    // Events without an address (store notices) are never capped.
    for (let i = 0; i < 5; i++) audit.record(ev({ type: 'store_unavailable', level: 'critical' }))
    expect(audit.stats.capped).toBe(7)
    let all = await audit.query({ limit: 1000 })
    expect(all).toHaveLength(3 + 2 + 3 + 5)
    expect(all.filter((r) => r.ip === '192.0.2.1' && r.level === 'warn')).toHaveLength(3)

    // The window closes: one summary for the capped address, then a fresh budget.
    clock.advance(60_000)
    audit.record(ev({ ip: '192.0.2.1', userId: 'later' }))
    all = await audit.query({ limit: 1000 })
    const summaries = all.filter((r) => r.reason?.startsWith('audit_capped'))
    expect(summaries).toEqual([
      expect.objectContaining({
        type: 'session_anomaly',
        level: 'warn',
        ip: '192.0.2.1',
        reason: 'audit_capped:security:7',
      }),
    ])
    expect(all[0]).toMatchObject({ userId: 'later' })
    await audit.close()
  })

  it('writes the summary of an unfinished window when closed', async () => {
    const inner = memoryAudit()
    const audit = auditLog({ ...inner, close: async () => {} }, { perAddress: { limit: 1 } })
    for (let i = 0; i < 4; i++) audit.record(ev({ ip: '192.0.2.9' }))
    await audit.close()
    const reasons = (await inner.query({})).map((r) => r.reason)
    expect(reasons).toEqual(['audit_capped:security:3', 'no_session'])
  })

  it('bounds the addresses it tracks: beyond the bound, new addresses share one budget', () => {
    const caps = new AddressCaps({ limit: 1, maxAddresses: 2 })
    caps.roll(T0)
    const admitted = ['a', 'b', 'c', 'd', 'e'].map((ip) => caps.admit(ev({ ip })))
    expect(admitted).toEqual([true, true, true, false, false])
    const summaries = caps.roll(T0 + 60_000)
    expect(summaries).toEqual([
      expect.objectContaining({ reason: 'audit_capped:security:2', userId: null }),
    ])
    expect(summaries[0]!.ip).toBeUndefined()
  })

  it('can be turned off', async () => {
    const audit = auditLog(memoryAudit(), { flushInterval: '1h', perAddress: false })
    for (let i = 0; i < 500; i++) audit.record(ev({ ip: '192.0.2.1' }))
    expect(await audit.query({ limit: 1000 })).toHaveLength(500)
    await audit.close()
  })
})

describe('security retention', () => {
  it('prunes lifecycle records by their retention and security records by theirs', async () => {
    const clock = manualClock(T0)
    const audit = auditLog(memoryAudit(), { clock, retention: '1d', securityRetention: '10d' })
    audit.record(ev({ type: 'session_logout', level: 'info', userId: 'u', handle: 'h' }))
    audit.record(ev({ type: 'authn_token_reuse', level: 'critical', userId: 'u' }))
    await audit.flush()
    clock.advance(2 * 86_400_000)
    expect(await audit.prune()).toBe(1)
    expect((await audit.query()).map((r) => r.type)).toEqual(['authn_token_reuse'])
    clock.advance(9 * 86_400_000)
    expect(await audit.prune()).toBe(1)
    expect(await audit.query()).toEqual([])
    await audit.close()
  })

  it('refuses a bad security retention at start-up', () => {
    expect(() => auditLog(memoryAudit(), { securityRetention: 'ever' })).toThrow(
      /securityRetention/,
    )
  })
})

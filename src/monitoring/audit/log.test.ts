import { describe, expect, it, vi } from 'vitest'
import { manualClock } from '../../core/clock.js'
import type { SessionEvent } from '../../core/events.js'
import { auditLog } from './log.js'
import { memoryAudit } from './memory.js'
import type { AuditBackend } from './types.js'

const ev = (n: number, time = new Date(Date.UTC(2026, 0, 1) + n).toISOString()): SessionEvent => ({
  type: 'session_created',
  level: 'info',
  time,
  userId: `u${n}`,
  handle: `h${n}`,
})

/** A backend that can be switched off, counting calls. */
function flaky() {
  const inner = memoryAudit()
  const state = { down: false, appends: 0 }
  const backend: AuditBackend = {
    ...inner,
    append: async (events) => {
      state.appends++
      if (state.down) throw new Error('ECONNREFUSED')
      return inner.append(events)
    },
  }
  return { backend, state }
}

describe('auditLog', () => {
  it('does nothing on the request path but queue: records are written later, in batches', async () => {
    const { backend, state } = flaky()
    const audit = auditLog(backend, { batchSize: 3, flushInterval: '1h' })
    audit.record(ev(1))
    audit.record(ev(2))
    expect(state.appends).toBe(0)
    expect(audit.stats.queued).toBe(2)
    audit.record(ev(3)) // a full batch is written on the next tick
    await vi.waitFor(() => expect(state.appends).toBe(1))
    expect(audit.stats).toMatchObject({ written: 3, queued: 0 })
    await audit.close()
  })

  it('flushes what is queued before answering a query, newest first', async () => {
    const audit = auditLog(memoryAudit(), { flushInterval: '1h' })
    for (let i = 1; i <= 4; i++) audit.record(ev(i))
    const got = await audit.query({ limit: 2 })
    expect(got.map((r) => r.userId)).toEqual(['u4', 'u3'])
    await audit.close()
  })

  it('never throws into the caller while the backend is down, and retries until it is back', async () => {
    const { backend, state } = flaky()
    const onError = vi.fn()
    const audit = auditLog(backend, { batchSize: 2, flushInterval: 5, onError })
    state.down = true
    expect(() => {
      for (let i = 1; i <= 5; i++) audit.record(ev(i))
    }).not.toThrow()
    await audit.flush()
    await vi.waitFor(() => expect(state.appends).toBeGreaterThan(2))
    expect(onError).toHaveBeenCalledTimes(1) // once per outage, not once per retry
    expect(audit.stats.written).toBe(0)
    state.down = false
    await vi.waitFor(() => expect(audit.stats.written).toBe(5))
    expect((await audit.query()).map((r) => r.userId)).toEqual(['u5', 'u4', 'u3', 'u2', 'u1'])
    await audit.close()
  })

  it('drops the oldest events, and counts them, when the queue is full during an outage', async () => {
    const { backend, state } = flaky()
    state.down = true
    const audit = auditLog(backend, {
      batchSize: 2,
      maxQueue: 3,
      flushInterval: '1h',
      onError() {},
    })
    for (let i = 1; i <= 5; i++) audit.record(ev(i))
    expect(audit.stats).toMatchObject({ dropped: 2, queued: 3 })
    state.down = false
    expect((await audit.query()).map((r) => r.userId)).toEqual(['u5', 'u4', 'u3'])
    await audit.close()
  })

  it('replaces an unparsable timestamp with the clock time', async () => {
    const clock = manualClock(Date.UTC(2026, 5, 1))
    const audit = auditLog(memoryAudit(), { clock })
    audit.record(ev(1, 'yesterday\n'))
    expect((await audit.query())[0]!.time).toBe('2026-06-01T00:00:00.000Z')
    await audit.close()
  })

  it('prunes by the retention period measured on its clock', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const audit = auditLog(memoryAudit(), { clock, retention: '1d' })
    audit.record(ev(0))
    clock.advance(2 * 86_400_000)
    audit.record(ev(0, new Date(clock.now()).toISOString()))
    await audit.flush()
    expect(await audit.prune()).toBe(1)
    expect(await audit.query()).toHaveLength(1)
    await audit.close()
  })

  it('writes what is still queued when closed, and ignores events after that', async () => {
    const inner = memoryAudit()
    const audit = auditLog({ ...inner, close: async () => {} }, { flushInterval: '1h' })
    audit.record(ev(1))
    await audit.close()
    audit.record(ev(2))
    expect((await inner.query({})).map((r) => r.userId)).toEqual(['u1'])
  })

  it('refuses a bad retention duration at start-up', () => {
    expect(() => auditLog(memoryAudit(), { retention: 'forever' })).toThrow(/retention/)
  })
})

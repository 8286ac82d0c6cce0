import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { loginThrottle, memoryCounters } from '../../src/throttle/index.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

// `authn_login_lock` (OWASP Logging Vocabulary): the throttle reports the failure that spends
// a budget, once, not every refused try after it and not a try that turned out right.

const secret = 'a-device-cookie-secret-of-32-bytes-or-more!'
const budget = (attempts: number) => ({
  attempts,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  windowMs: 3_600_000,
})

function setup() {
  const clock = manualClock(Date.UTC(2026, 11, 5))
  const events: Array<Omit<SessionEvent, 'time'> & { time?: string }> = []
  const throttle = loginThrottle({
    counters: memoryCounters(),
    clock,
    account: budget(3),
    address: budget(4),
    trusted: budget(2),
    deviceCookie: { secret },
    events: { emit: (e) => events.push(e) },
  })
  return { clock, events, throttle }
}

const locks = (events: Array<{ type: string }>) =>
  events.filter((e) => e.type === 'authn_login_lock')

describe('authn_login_lock from the throttle', () => {
  it('is emitted once, when the failure that spends the account budget is reported', async () => {
    const { events, throttle } = setup()
    const who = { username: 'alice', ip: '198.51.100.7', userAgent: 'curl/8' }
    for (let i = 0; i < 3; i++) {
      const t = await throttle.begin(who)
      if (!t.ok) throw new Error('refused too early')
      expect(locks(events)).toHaveLength(0)
      t.failed()
    }
    expect(locks(events)).toEqual([
      {
        type: 'authn_login_lock',
        level: 'warn',
        time: '2026-12-05T00:00:00.000Z',
        userId: 'alice',
        ip: '198.51.100.7',
        userAgent: 'curl/8',
        reason: 'account',
      },
    ])
    // Refused tries while locked add nothing.
    for (let i = 0; i < 5; i++) expect((await throttle.begin(who)).ok).toBe(false)
    expect(locks(events)).toHaveLength(1)
  })

  it('is not emitted when the try that used the last free attempt was right, nor on cancel', async () => {
    const { events, throttle } = setup()
    const who = { username: 'bob', ip: '198.51.100.8' }
    for (let i = 0; i < 2; i++) await throttle.begin(who)
    const last = await throttle.begin(who)
    expect(last.ok && last.spent).toBe('account')
    if (last.ok) await last.succeeded()
    const again = await throttle.begin({ ...who, ip: '198.51.100.9' })
    expect(again.ok).toBe(true)
    if (again.ok) await again.cancel()
    expect(locks(events)).toHaveLength(0)
  })

  it('names no account when the address budget is what was spent', async () => {
    const { events, throttle } = setup()
    for (const username of ['a', 'b', 'c', 'd']) {
      const t = await throttle.begin({ username, ip: '203.0.113.5' })
      if (t.ok) t.failed()
    }
    expect(locks(events)).toMatchObject([{ reason: 'address', userId: null, ip: '203.0.113.5' }])
  })

  it("reports a known device's own budget as scope device", async () => {
    const { events, throttle } = setup()
    const first = await throttle.begin({ username: 'carol', ip: '192.0.2.1' })
    const cookie = first.ok ? await first.succeeded() : null
    const who = { username: 'carol', ip: '192.0.2.1', cookieHeader: cookie!.split(';')[0] }
    for (let i = 0; i < 2; i++) {
      const t = await throttle.begin(who)
      if (t.ok) t.failed()
    }
    expect(locks(events)).toMatchObject([{ reason: 'device', userId: 'carol' }])
  })
})

describe('authn_login_lock in the reference app', () => {
  let running: RunningApp | undefined
  afterEach(async () => {
    await running?.close()
    running = undefined
  })

  it('is emitted once by five wrong passwords from an unknown address, then 429s add none', async () => {
    running = await startApp(
      { TRUST_PROXY: '127.0.0.1' },
      { clock: manualClock(Date.now()), scryptCost: 16 },
    )
    const events: SessionEvent[] = []
    running.app.sessions.on((e) => events.push(e))
    const attacker = new ApiClient(running.url, { 'x-forwarded-for': '198.51.100.70' })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push((await attacker.login('alice', 'wrong')).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    expect(locks(events)).toMatchObject([
      { level: 'warn', userId: 'alice', ip: '198.51.100.70', reason: 'account' },
    ])
    expect(events.filter((e) => e.type === 'authn_login_fail')).toHaveLength(5)
  })
})

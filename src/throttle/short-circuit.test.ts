import { describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { TesseraError } from '../core/errors.js'
import {
  type AttemptCounters,
  type LoginAttempt,
  type LoginRefusal,
  loginThrottle,
  memoryCounters,
} from './index.js'

// The hot-source short-circuit: a source whose budget is spent is refused from memory, before
// the store is read and before any hash, for at most its Retry-After (capped by maxMs).

const secret = 'a-device-cookie-secret-of-32-bytes-or-more!'
const budget = { attempts: 3, backoffMs: 60_000, maxBackoffMs: 600_000, windowMs: 3_600_000 }

/** Real memory counters that count the calls made to them. */
function counted(inner: AttemptCounters = memoryCounters()) {
  const calls = { n: 0 }
  const count =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      calls.n++
      return f(...a)
    }
  const counters: AttemptCounters = {
    take: count(inner.take.bind(inner)),
    refund: count(inner.refund.bind(inner)),
    clear: count(inner.clear.bind(inner)),
    mark: count(inner.mark.bind(inner)),
    marked: count(inner.marked.bind(inner)),
    close: () => inner.close(),
  }
  return { counters, calls, inner }
}

function setup(
  shortCircuit?: { maxMs?: number; maxEntries?: number } | false,
  inner?: AttemptCounters,
) {
  const clock = manualClock(1_000_000)
  const c = counted(inner)
  const throttle = loginThrottle({
    counters: c.counters,
    clock,
    account: budget,
    trusted: budget,
    deviceCookie: { secret },
    ...(shortCircuit === undefined ? {} : { shortCircuit }),
  })
  return { clock, throttle, ...c }
}

const who = { username: 'alice', ip: '198.51.100.7' }
const retry = (r: LoginAttempt | LoginRefusal) => (r.ok ? null : r.retryAfterSec)

async function spend(throttle: ReturnType<typeof loginThrottle>, n = budget.attempts) {
  for (let i = 0; i < n; i++) {
    const t = await throttle.begin(who)
    if (!t.ok) throw new Error('refused too early')
    t.failed()
  }
}

describe('the hot-source short-circuit', () => {
  it('refuses a spent source again without touching the store, until its Retry-After', async () => {
    const { clock, throttle, calls } = setup({ maxMs: 600_000 })
    await spend(throttle)
    expect(retry(await throttle.begin(who))).toBe(60) // asked the store once
    const before = calls.n
    clock.advance(30_000)
    for (let i = 0; i < 100; i++) expect(retry(await throttle.begin(who))).toBe(30)
    expect(calls.n).toBe(before)
    clock.advance(30_000)
    // The wait is over: the store is asked again and counts the try.
    expect((await throttle.begin(who)).ok).toBe(true)
    expect(calls.n).toBeGreaterThan(before)
  })

  it('asks the store again after maxMs even while the budget stays spent', async () => {
    const { clock, throttle, calls } = setup({ maxMs: 5_000 })
    await spend(throttle)
    expect(retry(await throttle.begin(who))).toBe(60)
    const before = calls.n
    clock.advance(4_999)
    expect(retry(await throttle.begin(who))).toBe(56) // the store's Retry-After, not maxMs
    expect(calls.n).toBe(before)
    clock.advance(1)
    expect(retry(await throttle.begin(who))).toBe(55)
    expect(calls.n).toBeGreaterThan(before)
  })

  it('never short-circuits a known device of that account from the same address', async () => {
    const { throttle } = setup()
    const first = await throttle.begin({ ...who, ip: '192.0.2.10' })
    const cookie = first.ok ? await first.succeeded() : null
    const device = cookie!.split(';')[0]!
    await spend(throttle)
    expect(retry(await throttle.begin(who))).toBe(60)
    const known = await throttle.begin({ ...who, cookieHeader: device })
    expect(known.ok && known.scope).toBe('device')
  })

  it('refuses another name from a spent address without counting a try on its account', async () => {
    const clock = manualClock(1_000_000)
    const { counters, calls } = counted()
    const spray = loginThrottle({
      counters,
      clock,
      address: { ...budget, attempts: 2 },
      deviceCookie: false,
    })
    for (const username of ['a', 'b']) {
      const t = await spray.begin({ username, ip: who.ip })
      expect(t.ok && t.scope).toBe('account')
    }
    expect(retry(await spray.begin({ username: 'c', ip: who.ip }))).toBe(60)
    const before = calls.n
    // 'd' is a new source, but its address budget is hot: only the known-address check reads
    // the store (a known address keeps its own budget); nothing is counted nor given back.
    expect(retry(await spray.begin({ username: 'd', ip: who.ip }))).toBe(60)
    expect(calls.n).toBe(before + 1)
    // …and 'd' itself is a hot source from now on: not even that read.
    expect(retry(await spray.begin({ username: 'd', ip: who.ip }))).toBe(60)
    expect(calls.n).toBe(before + 1)
  })

  it('is off with shortCircuit: false: every try asks the store', async () => {
    const { throttle, calls } = setup(false)
    await spend(throttle)
    const before = calls.n
    for (let i = 0; i < 5; i++) expect(retry(await throttle.begin(who))).toBe(60)
    expect(calls.n).toBeGreaterThanOrEqual(before + 5)
  })

  it('forgets the oldest source past maxEntries', async () => {
    const { throttle, calls } = setup({ maxEntries: 1 })
    await spend(throttle)
    const other = { username: 'bob', ip: who.ip }
    for (let i = 0; i < budget.attempts; i++) expect((await throttle.begin(other)).ok).toBe(true)
    expect(retry(await throttle.begin(who))).toBe(60)
    expect(retry(await throttle.begin(other))).toBe(60) // pushes alice's source out
    const before = calls.n
    expect(retry(await throttle.begin(who))).toBe(60)
    expect(calls.n).toBeGreaterThan(before)
  })

  it('refuses bad options with ERR_CONFIG', () => {
    const bad: unknown[] = [
      { maxMs: 0 },
      { maxMs: 3_600_001 },
      { maxMs: 1.5 },
      { maxEntries: 0 },
      { maxEntries: '10' },
      { maxMS: 10 },
      null,
      true,
    ]
    for (const shortCircuit of bad) {
      const make = () =>
        loginThrottle({
          counters: memoryCounters(),
          deviceCookie: false,
          shortCircuit: shortCircuit as false,
        })
      expect(make).toThrow(TesseraError)
      expect(make).toThrow(/shortCircuit/)
    }
  })
})

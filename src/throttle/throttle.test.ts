import { describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { memoryCounters } from './counters/memory.js'
import { type LoginAttempt, type LoginRefusal, loginThrottle } from './throttle.js'

const secret = 'a-device-cookie-secret-of-32-bytes-or-more!'

function setup(extra: Partial<Parameters<typeof loginThrottle>[0]> = {}) {
  const clock = manualClock()
  const counters = memoryCounters()
  const throttle = loginThrottle({
    counters,
    clock,
    account: { attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 },
    address: { attempts: 10, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 },
    trusted: { attempts: 5, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 },
    deviceCookie: { secret },
    ...extra,
  })
  return { clock, counters, throttle }
}

const refused = (r: LoginAttempt | LoginRefusal) => (r.ok ? null : r)

describe('loginThrottle', () => {
  it('allows the free tries of an account, then refuses with a Retry-After that doubles', async () => {
    const { clock, throttle } = setup()
    const who = { username: 'alice', ip: '203.0.113.9' }
    const spent = []
    for (let i = 0; i < 3; i++) {
      const r = await throttle.begin(who)
      spent.push(r.ok && r.spent)
    }
    expect(spent).toEqual([null, null, 'account'])
    expect(refused(await throttle.begin(who))).toEqual({
      ok: false,
      scope: 'account',
      retryAfterSec: 1,
    })
    clock.advance(1000)
    expect((await throttle.begin(who)).ok).toBe(true)
    clock.advance(1500)
    expect(refused(await throttle.begin(who))?.retryAfterSec).toBe(1) // 2 s after the last try
    clock.advance(500)
    expect((await throttle.begin(who)).ok).toBe(true)
    expect(refused(await throttle.begin(who))?.retryAfterSec).toBe(4)
  })

  it('rounds Retry-After up to whole seconds', async () => {
    const { clock, throttle } = setup({
      account: { attempts: 1, backoffMs: 2500, maxBackoffMs: 60_000, windowMs: 3_600_000 },
    })
    const who = { username: 'alice', ip: '203.0.113.9' }
    await throttle.begin(who)
    clock.advance(100)
    expect(refused(await throttle.begin(who))?.retryAfterSec).toBe(3)
  })

  it('resets the account budget after a successful login', async () => {
    const { throttle } = setup()
    const who = { username: 'alice', ip: '203.0.113.9' }
    for (let i = 0; i < 2; i++) await throttle.begin(who)
    const t = await throttle.begin(who)
    if (!t.ok) throw new Error('refused')
    await t.succeeded()
    // The address is now known for alice: its own budget (5), and the shared one is reset.
    for (let i = 0; i < 5; i++) expect((await throttle.begin(who)).ok).toBe(true)
    expect(refused(await throttle.begin(who))?.scope).toBe('known_address')
    for (let i = 0; i < 3; i++)
      expect((await throttle.begin({ username: 'alice', ip: '198.51.100.1' })).ok).toBe(true)
  })

  it('lets a victim with a device cookie sign in while an attacker has spent the account budget', async () => {
    const { throttle } = setup()
    const first = await throttle.begin({ username: 'alice', ip: '192.0.2.10' })
    if (!first.ok) throw new Error('refused')
    const setCookie = await first.succeeded()
    expect(setCookie).toMatch(
      /^__Host-tessera-device=d1\.[^;]+; Max-Age=31536000; Path=\/; Secure; HttpOnly; SameSite=Strict$/,
    )
    const cookieHeader = `sid=x; ${setCookie!.split(';')[0]}`

    const attacker = { username: 'alice', ip: '198.51.100.66' }
    for (let i = 0; i < 3; i++) await throttle.begin(attacker)
    expect(refused(await throttle.begin(attacker))?.scope).toBe('account')
    // The victim at a new address (say, travelling) but with the device cookie.
    const victim = await throttle.begin({ username: 'alice', ip: '203.0.113.77', cookieHeader })
    expect(victim.ok && victim.scope).toBe('device')
    expect(victim.ok && victim.trusted).toBe(true)
    // Without it, the same victim is refused like the attacker.
    expect(refused(await throttle.begin({ username: 'alice', ip: '203.0.113.77' }))?.scope).toBe(
      'account',
    )
    // And a victim's success does not hand the attacker a fresh shared budget.
    if (victim.ok) await victim.succeeded()
    expect(refused(await throttle.begin(attacker))?.scope).toBe('account')
  })

  it('lets one account jump the queue only trusted.attempts times a window, however many device cookies it holds', async () => {
    // Each sign-in mints a device cookie: without a cap per account, an account holder with many
    // of them (or one, signing in again and again) could keep the first line full.
    const { throttle } = setup()
    const devices: string[] = []
    for (let i = 0; i < 3; i++) {
      const t = await throttle.begin({ username: 'mallory', ip: `192.0.2.${i}` })
      if (t.ok) devices.push((await t.succeeded())!.split(';')[0]!)
    }
    const trusted: boolean[] = []
    for (const cookieHeader of devices)
      for (let i = 0; i < 5; i++) {
        const r = await throttle.begin({ username: 'mallory', ip: '198.51.100.9', cookieHeader })
        // Past the account's priority budget a device is demoted, never refused.
        expect(r.ok && r.scope).toBe('device')
        trusted.push(r.ok && r.trusted)
      }
    expect(trusted.filter(Boolean)).toHaveLength(5)
    // Known addresses have a share of their own (see the next test).
    const again = await throttle.begin({ username: 'mallory', ip: '192.0.2.0' })
    expect(again.ok && again.scope).toBe('known_address')
    expect(again.ok && again.trusted).toBe(true)
    // Another account's device keeps its own places; successful sign-ins take them too.
    const b = await throttle.begin({ username: 'bob', ip: '192.0.2.50' })
    const bobs = b.ok ? (await b.succeeded())!.split(';')[0]! : ''
    const bob = { username: 'bob', ip: '198.51.100.9', cookieHeader: bobs }
    for (let i = 0; i < 5; i++) {
      const r = await throttle.begin(bob)
      expect(r.ok && r.trusted).toBe(true)
      if (r.ok) await r.succeeded()
    }
    const sixth = await throttle.begin(bob)
    expect(sixth.ok && sixth.trusted).toBe(false)
  })

  it("keeps a known device's priority when someone at a known address of the account spends theirs", async () => {
    // A co-tenant of alice's office NAT tries her name from there (known address) again and
    // again: that demotes tries from the NAT, not her browser's with its device cookie.
    const { throttle } = setup()
    const first = await throttle.begin({ username: 'alice', ip: '192.0.2.1' })
    const device = first.ok ? (await first.succeeded())!.split(';')[0]! : ''
    const nat: boolean[] = []
    for (let i = 0; i < 5; i++) {
      const r = await throttle.begin({ username: 'alice', ip: '192.0.2.1' })
      nat.push(r.ok && r.trusted)
    }
    expect(nat).toEqual([true, true, true, true, true])
    const own = await throttle.begin({ username: 'alice', ip: '203.0.113.5', cookieHeader: device })
    expect(own.ok && own.trusted).toBe(true)
  })

  it('gives an address with a recent successful login for the account its own budget', async () => {
    const { throttle } = setup()
    const t = await throttle.begin({ username: 'alice', ip: '192.0.2.10' })
    if (t.ok) await t.succeeded()
    for (let i = 0; i < 3; i++) await throttle.begin({ username: 'alice', ip: '198.51.100.66' })
    expect((await throttle.begin({ username: 'alice', ip: '198.51.100.66' })).ok).toBe(false)
    const back = await throttle.begin({ username: 'alice', ip: '192.0.2.10' })
    expect(back.ok && back.scope).toBe('known_address')
  })

  it('forgets a known address after rememberAddressMs', async () => {
    const { clock, throttle } = setup({ rememberAddressMs: 60_000 })
    const t = await throttle.begin({ username: 'alice', ip: '192.0.2.10' })
    if (t.ok) await t.succeeded()
    clock.advance(60_000)
    const again = await throttle.begin({ username: 'alice', ip: '192.0.2.10' })
    expect(again.ok && again.scope).toBe('account')
  })

  it('refuses a device cookie issued for another account, forged or too old', async () => {
    const { clock, throttle } = setup({ deviceCookie: { secret, maxAgeMs: 86_400_000 } })
    const t = await throttle.begin({ username: 'bob', ip: '192.0.2.10' })
    const bobs = t.ok ? (await t.succeeded())!.split(';')[0]! : ''
    const scopeWith = async (username: string, cookieHeader: string) => {
      const r = await throttle.begin({ username, ip: '198.51.100.1', cookieHeader })
      if (r.ok) await r.cancel()
      return r.ok ? r.scope : r.scope
    }
    expect(await scopeWith('bob', bobs)).toBe('device')
    expect(await scopeWith('alice', bobs)).toBe('account')
    expect(await scopeWith('bob', `${bobs.slice(0, -2)}AA`)).toBe('account')
    expect(await scopeWith('bob', `${bobs}; ${bobs}`)).toBe('account')
    clock.advance(86_400_001)
    expect(await scopeWith('bob', bobs)).toBe('account')
  })

  it('stops password spraying from one address across many accounts', async () => {
    const { throttle } = setup()
    let ok = 0
    let last: LoginRefusal | null = null
    for (let i = 0; i < 30; i++) {
      const r = await throttle.begin({ username: `user${i}`, ip: '198.51.100.66' })
      if (r.ok) ok++
      else last = r
    }
    expect(ok).toBe(10)
    expect(last?.scope).toBe('address')
    // Another address is unaffected.
    expect((await throttle.begin({ username: 'user1', ip: '203.0.113.5' })).ok).toBe(true)
  })

  it('counts an IPv6 /64 as one address', async () => {
    const { throttle } = setup()
    for (let i = 0; i < 10; i++)
      await throttle.begin({ username: `u${i}`, ip: `2001:db8:1:2::${(i + 1).toString(16)}` })
    expect(
      refused(await throttle.begin({ username: 'x', ip: '2001:db8:1:2:ffff::1' }))?.scope,
    ).toBe('address')
    expect((await throttle.begin({ username: 'x', ip: '2001:db8:1:3::1' })).ok).toBe(true)
  })

  it('does not charge the account for a try its address budget refused', async () => {
    const { throttle } = setup({
      account: { attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 },
      address: { attempts: 1, backoffMs: 1000, maxBackoffMs: 60_000, windowMs: 3_600_000 },
    })
    await throttle.begin({ username: 'other', ip: '198.51.100.66' })
    for (let i = 0; i < 5; i++)
      expect(refused(await throttle.begin({ username: 'alice', ip: '198.51.100.66' }))?.scope).toBe(
        'address',
      )
    for (let i = 0; i < 3; i++)
      expect((await throttle.begin({ username: 'alice', ip: `203.0.113.${i}` })).ok).toBe(true)
    expect(refused(await throttle.begin({ username: 'alice', ip: '203.0.113.9' }))?.scope).toBe(
      'account',
    )
  })

  it('gives every counted try back on cancel', async () => {
    const { throttle } = setup()
    for (let i = 0; i < 10; i++) {
      const r = await throttle.begin({ username: 'alice', ip: '198.51.100.66' })
      if (!r.ok) throw new Error(`refused at ${i}`)
      await r.cancel()
    }
  })

  it('counts a try without a user name on the address budget only', async () => {
    const { throttle } = setup()
    for (let i = 0; i < 10; i++) {
      const r = await throttle.begin({ ip: '198.51.100.66' })
      expect(r.ok && r.scope).toBe('address')
    }
    expect(refused(await throttle.begin({ ip: '198.51.100.66' }))?.scope).toBe('address')
    const other = await throttle.begin({ ip: '198.51.100.67' })
    expect(other.ok && (await other.succeeded())).toBeNull()
    for (let i = 0; i < 10; i++)
      expect((await throttle.begin({ ip: '198.51.100.67' })).ok).toBe(true)
    expect((await throttle.begin({})).ok).toBe(true)
  })

  it('refuses a busy try before counting it, telling busy() whether the try is trusted', async () => {
    const { throttle } = setup()
    const asked: boolean[] = []
    const busy = (trusted: boolean) => {
      asked.push(trusted)
      return true
    }
    const who = { username: 'alice', ip: '198.51.100.70' }
    const first = await throttle.begin({ ...who, ip: '192.0.2.70' })
    const device = first.ok ? (await first.succeeded())!.split(';')[0] : ''
    for (let i = 0; i < 10; i++)
      expect(await throttle.begin(who, { busy })).toEqual({
        ok: false,
        scope: 'account',
        retryAfterSec: 1,
        busy: true,
      })
    expect(asked.every((t) => t === false)).toBe(true)
    // Nothing was counted: the three free tries are all there.
    const spent = []
    for (let i = 0; i < 3; i++) {
      const r = await throttle.begin(who, { busy: () => false })
      spent.push(r.ok && r.spent)
    }
    expect(spent).toEqual([null, null, 'account'])
    await throttle.begin({ ...who, cookieHeader: device }, { busy })
    expect(asked.at(-1)).toBe(true)
  })

  it('issues no device cookie when turned off, and a successful try still resets', async () => {
    const { throttle } = setup({ deviceCookie: false })
    expect(throttle.deviceCookieName).toBeNull()
    const r = await throttle.begin({ username: 'alice' })
    expect(r.ok && (await r.succeeded())).toBeNull()
  })
})

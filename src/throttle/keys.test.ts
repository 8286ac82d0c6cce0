import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cookieValue, issueDevice, readDevice } from './device-cookie.js'
import { addressBucket, counterKey } from './keys.js'

describe('counter keys', () => {
  it('hash identities to short keys that differ by scope and by part boundaries', () => {
    expect(counterKey('acct', 'alice')).toMatch(/^acct:[A-Za-z0-9_-]{22}$/)
    expect(counterKey('acct', 'alice')).not.toBe(counterKey('acct', 'alicE'))
    expect(counterKey('pair', 'ab', 'c')).not.toBe(counterKey('pair', 'a', 'bc'))
    expect(counterKey('acct', 'x'.repeat(10_000)).length).toBe(27)
  })

  it('buckets IPv6 addresses by /64 and unwraps IPv4-mapped ones', () => {
    expect(addressBucket('203.0.113.9')).toBe('203.0.113.9')
    expect(addressBucket('::ffff:203.0.113.9')).toBe('203.0.113.9')
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(addressBucket('2001:0db8:0000:0001:aaaa::1')).toBe('2001:db8:0:1::/64')
    expect(addressBucket('2001:db8:0:1:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64')
    expect(addressBucket('::1')).toBe('0:0:0:0::/64')
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
  })

  it('unwraps IPv4 clients translated into IPv6 (NAT64 well-known prefix, hex-written mapped)', () => {
    // Behind SIIT-DC / NAT46 every IPv4 client arrives as 64:ff9b::a.b.c.d: as one /64, one
    // sprayer would spend the address budget of the whole IPv4 internet.
    expect(addressBucket('64:ff9b::203.0.113.9')).toBe('203.0.113.9')
    expect(addressBucket('64:ff9b::cb00:7109')).toBe('203.0.113.9')
    expect(addressBucket('64:FF9B::CB00:710A')).toBe('203.0.113.10')
    expect(addressBucket('::ffff:cb00:7109')).toBe('203.0.113.9')
    expect(addressBucket('64:ff9b:1::cb00:7109')).toBe('64:ff9b:1:0::/64')
  })
})

describe('device cookies', () => {
  const secret = Buffer.alloc(32, 7)
  const now = Date.UTC(2026, 0, 1)

  it('round-trip for the user they were issued to, and only for them', () => {
    const v = issueDevice(secret, 'älice', now)
    expect(readDevice(secret, v, 'älice', now, 1000)).toMatchObject({ username: 'älice' })
    expect(readDevice(secret, v, 'alice', now, 1000)).toBeNull()
    expect(readDevice(Buffer.alloc(32, 8), v, 'älice', now, 1000)).toBeNull()
    expect(readDevice(secret, v, 'älice', now + 2000, 1000)).toBeNull()
    expect(readDevice(secret, v, 'älice', now - 120_000, 10 ** 9)).toBeNull()
  })

  it('never throw and never accept arbitrary values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        expect(readDevice(secret, s, 'alice', now, 10 ** 9)).toBeNull()
      }),
    )
  })

  it('are read from the Cookie header by exact name; a duplicate counts as absent', () => {
    expect(cookieValue('a=1; dev=x; b=2', 'dev')).toBe('x')
    expect(cookieValue('xdev=1; devx=2', 'dev')).toBeUndefined()
    expect(cookieValue('dev=1; dev=2', 'dev')).toBeUndefined()
    expect(cookieValue(undefined, 'dev')).toBeUndefined()
  })
})

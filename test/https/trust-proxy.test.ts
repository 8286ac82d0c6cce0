import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientInfo, isTrustedProxy, parseTrustProxy } from '../../src/pipeline/client.js'
import { type RunningApp, startApp } from '../helpers/client.js'

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name]

describe('parseTrustProxy', () => {
  it('accepts addresses and CIDR ranges, normalising IPv4-mapped addresses', () => {
    expect(parseTrustProxy(' 127.0.0.1, ::1 ,10.0.0.0/8, fd00::/8, ::ffff:10.1.1.1')).toEqual([
      '127.0.0.1',
      '::1',
      '10.0.0.0/8',
      'fd00::/8',
      '10.1.1.1',
    ])
    expect(parseTrustProxy(undefined)).toEqual([])
    expect(parseTrustProxy('')).toEqual([])
  })

  it('refuses typos and lists that would trust everyone', () => {
    for (const bad of [
      'localhost',
      '*',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/x',
      '10.0.0.0/',
      '0.0.0.0/0',
      '::/0',
      '1.2.3',
      '10.0.0.1/-1',
    ]) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/TRUST_PROXY/)
    }
  })

  it("refuses Express's trust proxy values with the list to write instead", () => {
    // `app.set('trust proxy', true | 1 | 'loopback')` habits: a raw "list.map is not a function"
    // before, or no hint at all.
    for (const bad of [true, 1, ['10.0.0.1', 2]])
      expect(() => parseTrustProxy(bad as never), String(bad)).toThrow(
        /trustProxy \(TRUST_PROXY\) takes the proxies' addresses or CIDR ranges.*not a hop count or true/,
      )
    expect(() => parseTrustProxy('loopback')).toThrow(/write '127\.0\.0\.1, ::1'/)
    expect(() => parseTrustProxy('uniquelocal')).toThrow(/write '10\.0\.0\.0\/8, 172\.16/)
  })

  it('matches addresses inside a range and nothing outside it', () => {
    const t = parseTrustProxy('10.0.0.0/8, 2001:db8::/32')
    expect(isTrustedProxy('10.255.0.1', t)).toBe(true)
    expect(isTrustedProxy('11.0.0.1', t)).toBe(false)
    expect(isTrustedProxy('2001:db8::5', t)).toBe(true)
    expect(isTrustedProxy('2001:db9::5', t)).toBe(false)
    expect(isTrustedProxy('not-an-ip', t)).toBe(false)
  })
})

describe('clientInfo', () => {
  const trust = parseTrustProxy('10.0.0.2, 10.0.1.0/24')

  it('ignores X-Forwarded-* from a peer that is not a trusted proxy', () => {
    const h = headers({ 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' })
    expect(clientInfo('203.0.113.9', false, h, trust)).toEqual({
      ip: '203.0.113.9',
      secure: false,
    })
    expect(clientInfo('203.0.113.9', false, h, [])).toEqual({ ip: '203.0.113.9', secure: false })
  })

  it('takes the right-most untrusted address, so a client cannot forge its IP', () => {
    const h = headers({ 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.1.9' })
    expect(clientInfo('10.0.0.2', false, h, trust).ip).toBe('198.51.100.7')
    expect(
      clientInfo('::ffff:10.0.0.2', false, headers({ 'x-forwarded-for': '198.51.100.7' }), trust)
        .ip,
    ).toBe('198.51.100.7')
  })

  it('reads addresses written with ports', () => {
    expect(
      clientInfo('10.0.0.2', false, headers({ 'x-forwarded-for': '198.51.100.7:4711' }), trust).ip,
    ).toBe('198.51.100.7')
    expect(
      clientInfo('10.0.0.2', false, headers({ 'x-forwarded-for': '[2001:db8::7]:443' }), trust).ip,
    ).toBe('2001:db8::7')
    expect(
      clientInfo('10.0.0.2', false, headers({ 'x-forwarded-for': '2001:db8::7' }), trust).ip,
    ).toBe('2001:db8::7')
  })

  it('stops at garbage and keeps the last good address', () => {
    const h = headers({ 'x-forwarded-for': '198.51.100.7, junk, 10.0.1.9' })
    expect(clientInfo('10.0.0.2', false, h, trust).ip).toBe('10.0.1.9')
  })

  it('believes the right-most X-Forwarded-Proto, the one our proxy wrote', () => {
    const info = (proto: string, encrypted = false) =>
      clientInfo('10.0.0.2', encrypted, headers({ 'x-forwarded-proto': proto }), trust).secure
    expect(info('https')).toBe(true)
    expect(info('HTTPS')).toBe(true)
    expect(info('https, http')).toBe(false)
    expect(info('http, https')).toBe(true)
    expect(info('http', true)).toBe(false)
    expect(clientInfo('10.0.0.2', true, headers({}), trust).secure).toBe(true)
  })

  it('never throws and never invents an address, whatever the headers say', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 50 }), (xff, xfp) => {
        const info = clientInfo(
          '10.0.0.2',
          false,
          headers({ 'x-forwarded-for': xff, 'x-forwarded-proto': xfp }),
          trust,
        )
        expect(info.ip === '10.0.0.2' || xff.includes(info.ip!.replace(/^::ffff:/, ''))).toBe(true)
        expect(info.secure).toBe(
          xfp
            .slice(xfp.lastIndexOf(',') + 1)
            .trim()
            .toLowerCase() === 'https',
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('walks a bounded number of hops of a long forged chain', () => {
    const chain = Array.from({ length: 5000 }, () => '10.0.1.1').join(',')
    const info = clientInfo('10.0.0.2', false, headers({ 'x-forwarded-for': chain }), trust)
    expect(info.ip).toBe('10.0.1.1')
  })
})

describe('the reference app behind a trusted proxy', () => {
  let running: RunningApp
  it('records the forwarded client IP only from the configured proxy', async () => {
    running = await startApp({ TRUST_PROXY: '127.0.0.1' })
    try {
      const events: Array<{ ip?: string | undefined }> = []
      running.app.sessions.on((e) => events.push(e))
      // An unknown (well-formed) session token: an event carrying the client's address.
      await fetch(`${running.url}/api/me`, {
        headers: { 'x-forwarded-for': '198.51.100.7', cookie: `__Host-sid=${'A'.repeat(43)}` },
      })
      expect(events.some((e) => e.ip === '198.51.100.7')).toBe(true)
    } finally {
      await running.close()
    }
    running = await startApp({ TRUST_PROXY: '10.9.9.9' })
    try {
      const events: Array<{ ip?: string | undefined }> = []
      running.app.sessions.on((e) => events.push(e))
      // An unknown (well-formed) session token: an event carrying the client's address.
      await fetch(`${running.url}/api/me`, {
        headers: { 'x-forwarded-for': '198.51.100.7', cookie: `__Host-sid=${'A'.repeat(43)}` },
      })
      expect(events.length).toBeGreaterThan(0)
      expect(events.every((e) => e.ip === '127.0.0.1')).toBe(true)
    } finally {
      await running.close()
    }
  })
})

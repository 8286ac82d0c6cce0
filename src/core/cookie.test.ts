import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  cookieAttributes,
  DEFAULT_COOKIE,
  MAX_COOKIE_BYTES,
  MAX_COOKIE_HEADER,
  readCookie,
  resolveCookieOptions,
  serializeCookie,
} from './cookie.js'
import type { TesseraError } from './errors.js'
import { generateToken } from './token.js'

const dev = { production: false }
const prod = { production: true }

describe('cookie defaults', () => {
  it('are __Host-sid, HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain', () => {
    const o = resolveCookieOptions(undefined, dev)
    expect(o).toEqual({
      name: '__Host-sid',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    })
    const header = serializeCookie(o.name, 'abc', cookieAttributes(o))
    expect(header).toBe('__Host-sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax')
    expect(header).not.toMatch(/Domain|Max-Age|Expires/)
  })

  it('keep a default for an option given as undefined (cookie: { httpOnly: config.httpOnly })', () => {
    // The type allows undefined for every key; a spread of it must not override the default
    // with nothing: no HttpOnly, no Secure, or a crash on the name.
    const given = { name: undefined, secure: undefined, httpOnly: undefined, sameSite: undefined }
    expect(resolveCookieOptions(given, dev)).toEqual(resolveCookieOptions(undefined, dev))
    expect(resolveCookieOptions(given, prod)).toEqual(resolveCookieOptions(undefined, prod))
  })

  it('write Max-Age only for persistent cookies, and an Expires in the past when clearing', () => {
    const attrs = cookieAttributes(DEFAULT_COOKIE)
    expect(serializeCookie('__Host-sid', 'v', attrs, 3600.7)).toMatch(/; Max-Age=3600$/)
    expect(serializeCookie('__Host-sid', '', attrs, 0)).toBe(
      '__Host-sid=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    )
  })

  it('refuses to write a value outside cookie-octet or a cookie over 4096 bytes', () => {
    expect(() => serializeCookie('a', 'x;y', '')).toThrow(TypeError)
    expect(() => serializeCookie('a', 'x'.repeat(MAX_COOKIE_BYTES), '')).toThrow(RangeError)
    // `a=` plus the value: exactly 4096 bytes is written, one more is refused.
    expect(serializeCookie('a', 'x'.repeat(MAX_COOKIE_BYTES - 2), '')).toHaveLength(
      MAX_COOKIE_BYTES,
    )
    expect(() => serializeCookie('a', 'x'.repeat(MAX_COOKIE_BYTES - 1), '')).toThrow(RangeError)
  })
})

describe('unsafe cookie options fail at construction with a fix', () => {
  const cases: Array<[string, Parameters<typeof resolveCookieOptions>[0], typeof dev, RegExp]> = [
    [
      '__Host- with a Domain',
      { domain: 'example.com' },
      dev,
      /__Host- cookie cannot have a Domain.*__Secure-/,
    ],
    ['__Host- with a Path other than /', { path: '/app' }, dev, /Path=\//],
    ['__Host- without Secure', { secure: false }, dev, /must be Secure/],
    [
      '__Secure- without Secure',
      { name: '__Secure-sid', secure: false },
      dev,
      /__Secure- cookie must be Secure/,
    ],
    [
      'SameSite=None without Secure',
      { name: 'sid', sameSite: 'None', secure: false },
      dev,
      /SameSite=None requires Secure/,
    ],
    ['secure: false in production', { name: 'sid', secure: false }, prod, /production/],
    ['httpOnly: false in production', { httpOnly: false }, prod, /httpOnly/],
    ['a name with a space', { name: 'my sid' }, dev, /not a valid cookie name/],
    ['a name with a semicolon', { name: 'a;b' }, dev, /not a valid cookie name/],
    ['an invalid SameSite', { sameSite: 'lax' as 'Lax' }, dev, /sameSite/],
    ['a path with a semicolon', { name: 'sid', path: '/a;b' }, dev, /cookie.path/],
    ['a domain with a semicolon', { name: 'sid', domain: 'a.com;x' }, dev, /not a host name/],
  ]
  for (const [what, options, ctx, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => resolveCookieOptions(options, ctx)).toThrow(message)
      try {
        resolveCookieOptions(options, ctx)
      } catch (e) {
        expect((e as TesseraError).code).toBe('ERR_CONFIG')
      }
    })
  }

  it('accepts a __Secure- cookie shared with subdomains, and plain http for development', () => {
    expect(resolveCookieOptions({ name: '__Secure-sid', domain: 'example.com' }, dev).domain).toBe(
      'example.com',
    )
    expect(resolveCookieOptions({ name: 'sid', secure: false }, dev).secure).toBe(false)
  })
})

describe('reading the session cookie from hostile headers', () => {
  const name = '__Host-sid'
  const t = generateToken()

  it('finds the exact name among others', () => {
    expect(readCookie(`a=1; ${name}=${t}; b=2`, name)).toEqual({ kind: 'value', value: t })
    expect(readCookie(`${name}=${t}`, name)).toEqual({ kind: 'value', value: t })
    expect(readCookie(`${name}="${t}"`, name)).toEqual({ kind: 'value', value: t })
  })

  it('matches the name case-sensitively and without decoding', () => {
    expect(readCookie(`__host-sid=${t}`, name).kind).toBe('absent')
    expect(readCookie(`__Host%2Dsid=${t}`, name).kind).toBe('absent')
    expect(readCookie(`x__Host-sid=${t}`, name).kind).toBe('absent')
    expect(readCookie(`__Host-sidx=${t}`, name).kind).toBe('absent')
  })

  it('treats a second occurrence as a duplicate (cookie tossing)', () => {
    expect(readCookie(`${name}=${t}; ${name}=${generateToken()}`, name).kind).toBe('duplicate')
    expect(readCookie(`${name}=${t};${name}=${t}`, name).kind).toBe('duplicate')
  })

  it('ignores control characters, bad quoting, empty and over-size values', () => {
    expect(readCookie(`${name}=a\u0001b`, name).kind).toBe('invalid')
    expect(readCookie(`${name}="abc`, name).kind).toBe('invalid')
    expect(readCookie(`${name}=`, name).kind).toBe('invalid')
    expect(readCookie(`${name}=a b`, name).kind).toBe('invalid')
    expect(readCookie(`${name}=${'a'.repeat(5000)}`, name).kind).toBe('invalid')
    expect(readCookie(`x=${'a'.repeat(20_000)}`, name).kind).toBe('invalid')
  })

  it('accepts a value of exactly 4096 bytes and refuses 4097', () => {
    const at = 'a'.repeat(MAX_COOKIE_BYTES)
    expect(readCookie(`${name}=${at}`, name)).toEqual({ kind: 'value', value: at })
    expect(readCookie(`${name}="${at}"`, name)).toEqual({ kind: 'value', value: at })
    expect(readCookie(`${name}=${at}a`, name).kind).toBe('invalid')
  })

  it('reads a header of up to 16 KiB and refuses one byte more', () => {
    // The session cookie last, so the whole header is scanned at each size.
    const header = (length: number) => {
      const pair = `; ${name}=${t}`
      return `pad=${'p'.repeat(length - pair.length - 4)}${pair}`
    }
    expect(MAX_COOKIE_HEADER).toBe(16_384)
    for (const length of [MAX_COOKIE_HEADER - 1, MAX_COOKIE_HEADER]) {
      expect(header(length)).toHaveLength(length)
      expect(readCookie(header(length), name)).toEqual({ kind: 'value', value: t })
    }
    expect(header(MAX_COOKIE_HEADER + 1)).toHaveLength(MAX_COOKIE_HEADER + 1)
    expect(readCookie(header(MAX_COOKIE_HEADER + 1), name).kind).toBe('invalid')
  })

  it('is absent for missing or empty headers', () => {
    expect(readCookie(undefined, name).kind).toBe('absent')
    expect(readCookie('', name).kind).toBe('absent')
    expect(readCookie(';;;', name).kind).toBe('absent')
  })

  it('never throws and only returns cookie-octet values for arbitrary headers', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (header) => {
        const r = readCookie(header, name)
        if (r.kind === 'value')
          expect(r.value).toMatch(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips any token among arbitrary other cookies', () => {
    const other = fc.tuple(
      fc.stringMatching(/^[a-z]{1,8}$/),
      fc.stringMatching(/^[a-zA-Z0-9]{0,10}$/),
    )
    fc.assert(
      fc.property(
        fc.array(other, { maxLength: 5 }),
        fc.array(other, { maxLength: 5 }),
        (before, after) => {
          const pairs = [...before, [name, t], ...after].map(([k, v]) => `${k}=${v}`)
          expect(readCookie(pairs.join('; '), name)).toEqual({ kind: 'value', value: t })
        },
      ),
    )
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../../src/core/manager.js'
import { createDbsc } from '../../src/dbsc/index.js'
import { importJwk, keyOf, parseProof, verifyProof } from '../../src/dbsc/jws.js'
import { BoundCookieMac, RegistrationChallenges } from '../../src/dbsc/macs.js'
import { registrationHeader } from '../../src/dbsc/protocol.js'
import { bindingOf, matchChallenge, withChallenge } from '../../src/dbsc/state.js'
import { parseSfString, sfString } from '../../src/dbsc/structured.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { parseOffer, SessionKey } from './client.js'

const SECRET = 'x'.repeat(32)
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe('DBSC structured fields', () => {
  it('round-trips strings and ignores parameters', () => {
    expect(parseSfString(sfString('a"b\\c'))).toBe('a"b\\c')
    expect(parseSfString('"abc";x=1')).toBe('abc')
    expect(parseSfString('abc.def-_')).toBe('abc.def-_')
  })
  it('refuses malformed values', () => {
    for (const bad of [
      undefined,
      '',
      '"abc',
      '"a\\x"',
      '"a"b',
      'a b',
      '"\u0001"',
      `"${'a'.repeat(9000)}"`,
    ])
      expect(parseSfString(bad)).toBeNull()
    expect(() => sfString('é')).toThrow(TypeError)
  })
  it('writes a registration offer the client reads back', () => {
    const offer = parseOffer(registrationHeader(['ES256', 'RS256'], '/dbsc/register', 'c1'))
    expect(offer).toEqual({
      algorithms: ['ES256', 'RS256'],
      path: '/dbsc/register',
      challenge: 'c1',
    })
  })
})

describe('DBSC proofs', () => {
  const key = new SessionKey('ES256')
  it('parses and verifies a proof, and refuses a tampered one', () => {
    const proof = parseProof(key.proof('c1', true))!
    expect(proof.jti).toBe('c1')
    const imported = importJwk(proof.jwk, 'ES256')!
    expect(verifyProof(proof, imported.key)).toBe(true)
    const other = importJwk(new SessionKey('ES256').jwk, 'ES256')!
    expect(verifyProof(proof, other.key)).toBe(false)
    const [h, p, s] = key.proof('c1', false).split('.')
    expect(verifyProof(parseProof(`${h}.${b64({ jti: 'c2' })}.${s}`)!, imported.key)).toBe(false)
    expect(p).toBeTruthy()
  })
  it('refuses wrong typ, alg none, missing jti and malformed parts', () => {
    const sig = 'AAAA'
    for (const [header, payload] of [
      [{ alg: 'ES256', typ: 'JWT' }, { jti: 'c' }],
      [{ alg: 'none', typ: 'dbsc+jwt' }, { jti: 'c' }],
      [{ alg: 'HS256', typ: 'dbsc+jwt' }, { jti: 'c' }],
      [{ alg: 'ES256', typ: 'dbsc+jwt' }, {}],
      [{ alg: 'ES256', typ: 'dbsc+jwt' }, { jti: '' }],
      [
        { alg: 'ES256', typ: 'dbsc+jwt' },
        { jti: 'c', authorization: 1 },
      ],
    ])
      expect(parseProof(`${b64(header)}.${b64(payload)}.${sig}`)).toBeNull()
    for (const bad of [
      null,
      'a.b',
      'a.b.c.d',
      '!!.!!.!!',
      `${b64([1])}.${b64({ jti: 'c' })}.${sig}`,
    ])
      expect(parseProof(bad)).toBeNull()
  })
  it('imports only acceptable public keys', () => {
    expect(importJwk(key.jwk, 'ES256')).not.toBeNull()
    expect(importJwk(key.jwk, 'RS256')).toBeNull()
    expect(importJwk({ ...key.jwk, crv: 'P-384' }, 'ES256')).toBeNull()
    expect(importJwk({ ...key.jwk, d: 'AAAA' }, 'ES256')).toBeNull()
    expect(importJwk({ ...key.jwk, x: 'A'.repeat(43) }, 'ES256')).toBeNull() // not on the curve
    expect(importJwk(null, 'ES256')).toBeNull()
    expect(importJwk(new SessionKey('RS256').jwk, 'RS256')).not.toBeNull()
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'jwk',
    })
    expect(importJwk({ kty: 'RSA', n: small.n, e: small.e }, 'RS256')).toBeNull()
    expect(keyOf({ kty: 'EC', crv: 'P-256', x: 'A', y: 'B' })).toBeNull()
  })
})

describe('DBSC MACs and binding state', () => {
  it('checks the bound cookie: ok, expired, tampered, other binding, missing', () => {
    const macs = new BoundCookieMac(SECRET)
    const v = macs.value('b1', 10_000)
    expect(macs.check(v, 'b1', 5_000)).toBe('ok')
    expect(macs.check(v, 'b1', 10_000)).toBe('expired')
    expect(macs.check(v, 'b2', 5_000)).toBe('invalid')
    expect(macs.check(`${v.slice(0, -1)}A`, 'b1', 5_000)).not.toBe('ok')
    expect(macs.check(`99${v}`, 'b1', 5_000)).toBe('invalid')
    expect(macs.check('garbage', 'b1', 5_000)).toBe('invalid')
    expect(macs.check(undefined, 'b1', 5_000)).toBe('missing')
    expect(new BoundCookieMac('y'.repeat(32)).check(v, 'b1', 5_000)).toBe('invalid')
  })
  it('checks registration challenges against handle, sign-in and expiry', () => {
    const c = new RegistrationChallenges(SECRET)
    const v = c.issue('h1', 100, 60_000)
    expect(c.check(v, 'h1', 100, 1_000)).toBe(true)
    expect(c.check(v, 'h2', 100, 1_000)).toBe(false)
    expect(c.check(v, 'h1', 101, 1_000)).toBe(false)
    expect(c.check(v, 'h1', 100, 60_000)).toBe(false)
    expect(c.check('a.b.c', 'h1', 100, 1_000)).toBe(false)
    // A bound cookie value is not a challenge (separate keys).
    expect(c.check(new BoundCookieMac(SECRET).value('h1', 60_000), 'h1', 100, 1_000)).toBe(false)
  })
  it('keeps one superseded challenge and drops expired ones', () => {
    const b = bindingOf({
      data: {
        $dbsc: {
          id: 'i',
          alg: 'ES256',
          jwk: { kty: 'EC' },
          epoch: 1,
          at: 1,
          c: ['a', 100],
          p: null,
        },
      },
    } as never)!
    const next = withChallenge(b, 'b', 200, 50)
    expect(matchChallenge(next, 'a', 60)).toBe('previous')
    expect(matchChallenge(next, 'b', 60)).toBe('current')
    expect(matchChallenge(next, 'a', 100)).toBeNull()
    expect(withChallenge(next, 'c', 300, 150).p).toEqual(['b', 200])
    expect(withChallenge(b, 'b', 200, 100).p).toBeNull()
    expect(bindingOf({ data: { $dbsc: { id: 1 } } } as never)).toBeNull()
  })
})

describe('createDbsc options', () => {
  const sessions = createSessions({ store: memoryStore({ quiet: true }) })
  it.each([
    [{ secret: 'short' }, /at least 32 bytes/],
    [{ secret: SECRET, boundCookieTtl: '1s' }, /between 30s and 24h/],
    [{ secret: SECRET, challengeTtl: '1h' }, /between 10s and 15m/],
    [{ secret: SECRET, algorithms: ['HS256'] }, /ES256/],
    [{ secret: SECRET, algorithms: [] }, /non-empty/],
    [{ secret: SECRET, refreshPath: 'refresh' }, /absolute path/],
    [{ secret: SECRET, refreshPath: '/dbsc/register' }, /must differ/],
    [{ secret: SECRET, cookieName: '__Host-sid' }, /differ from the session cookie/],
    [{ secret: SECRET, guard: { paths: ['/x'], unbound: 'maybe' } }, /allow/],
    [{ secret: SECRET, guard: { path: ['/x'] } }, /did you mean "paths"/],
    [{ secret: SECRET, refreshPth: '/r' }, /did you mean "refreshPath"/],
  ])('refuses %o at start-up', (o, message) => {
    expect(() => createDbsc({ sessions, ...(o as object) } as never)).toThrow(message)
  })
  it('accepts the defaults', () => {
    const dbsc = createDbsc({ sessions, secret: SECRET })
    expect([dbsc.registrationPath, dbsc.refreshPath]).toEqual(['/dbsc/register', '/dbsc/refresh'])
  })
})

import { generateKeyPairSync, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { storeUnavailable } from '../../src/core/errors.js'
import { createPipeline } from '../../src/pipeline/pipeline.js'
import type { RequestInput } from '../../src/pipeline/types.js'
import { memoryDenylist } from '../../src/jwt/denylist.js'
import { KeySet } from '../../src/jwt/key-set.js'
import { parseKey } from '../../src/jwt/keys.js'
import { bearerAuth } from '../../src/jwt/plugin.js'
import { formatRefreshToken, parseRefreshToken } from '../../src/jwt/refresh-token.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { harness } from './family.js'

const input = (headers: Record<string, string>): RequestInput => ({
  method: 'GET',
  path: '/api/me',
  query: '',
  secure: true,
  header: (name) => headers[name],
})

describe('the refresh-token parser', () => {
  const b64 = (n: number) =>
    fc.string({ unit: fc.constantFrom(...'AZaz09-_'.split('')), minLength: n, maxLength: n })

  it('round-trips every well-formed token', () => {
    fc.assert(
      fc.property(
        b64(22),
        fc.integer({ min: 0, max: 999_999_999 }),
        b64(43),
        (handle, gen, secret) => {
          const t = { handle, gen, secret }
          expect(parseRefreshToken(formatRefreshToken(t))).toEqual(t)
        },
      ),
    )
  })

  it('never throws and accepts only the exact shape on arbitrary input', () => {
    const shape = /^tsr1\.[A-Za-z0-9_-]{22}\.(0|[1-9][0-9]{0,8})\.[A-Za-z0-9_-]{43}$/
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.anything()), (value) => {
        const parsed = parseRefreshToken(value)
        expect(parsed !== null).toBe(typeof value === 'string' && shape.test(value))
      }),
    )
    for (const bad of [
      'tsr1.x.0.y',
      `tsr1.${'a'.repeat(22)}.01.${'b'.repeat(43)}`,
      `TSR1.${'a'.repeat(22)}.0.${'b'.repeat(43)}`,
    ])
      expect(parseRefreshToken(bad)).toBeNull()
  })
})

describe('key parsing', () => {
  it('accepts PEM, JWK object, JWK text and KeyObject for the same key, with the same kid', () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const pem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const jwk = privateKey.export({ format: 'jwk' })
    const kids = [privateKey, pem, jwk, JSON.stringify(jwk)].map((key) => parseKey({ key }).kid)
    expect(new Set(kids).size).toBe(1)
    expect(parseKey({ key: { ...jwk, kid: 'mine' } }).kid).toBe('mine')
  })

  it('accepts a 32-byte secret as bytes or base64url, and publishes nothing for it', () => {
    const bytes = randomBytes(32)
    expect(parseKey({ key: bytes }).kid).toBe(parseKey({ key: bytes.toString('base64url') }).kid)
    expect(parseKey({ key: bytes }).publicJwk).toBeNull()
  })

  it('refuses garbage without echoing it', () => {
    const secretish = 'not-a-key-but-secret-looking-material!'
    const error = (() => {
      try {
        parseKey({ key: `-----BEGIN PRIVATE KEY-----\n${secretish}\n-----END PRIVATE KEY-----` })
      } catch (e) {
        return e as Error
      }
      return null
    })()
    expect(error).toMatchObject({ code: 'ERR_CONFIG' })
    expect(error?.message).not.toContain(secretish)
    expect(() => parseKey({ key: '{"kty":"OKP","crv":"Ed25519","x":"AA"}' })).toThrow(/private/)
    expect(() => parseKey({ key: 'x', kid: 'bad kid' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG' }),
    )
  })

  it('refuses to remove the signing key and to reuse a kid', () => {
    const keys = KeySet.generate()
    expect(() => keys.remove(keys.signer.kid)).toThrow(/rotate/)
    const input = { key: randomBytes(32), kid: keys.signer.kid }
    expect(() => keys.rotate(input, 1000)).toThrow(/duplicate kid/)
  })
})

describe('the memory denylist', () => {
  it('denies by jti or by session until the entry lapses, and sweeps lapsed entries', () => {
    const clock = manualClock(0)
    const d = memoryDenylist({ clock, sweepAbove: 2 })
    d.denyToken('j1', 1000)
    d.denySession('s1', 2000)
    expect(d.isDenied('j1', 'other', 999)).toBe(true)
    expect(d.isDenied('j1', 'other', 1000)).toBe(false)
    expect(d.isDenied('x', 's1', 1999)).toBe(true)
    clock.set(5000)
    d.denyToken('j2', 9000)
    expect(d.size).toBe(1)
  })
})

describe('the bearer plugin', () => {
  it('fails closed with a 503 when the store is down in stateful mode', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const store = memoryStore({ clock, quiet: true })
    const { tokens, sessions } = harness(store, clock)
    const pair = await tokens.issue({ userId: 'u1' })
    const pipeline = createPipeline(sessions, [bearerAuth(tokens)])
    const ok = await pipeline.begin(input({ authorization: `Bearer ${pair.access_token}` }))
    expect(ok.rejection).toBeNull()
    expect(ok.ctx?.locals.bearer?.claims.sub).toBe('u1')
    store.get = async () => {
      throw storeUnavailable(new Error('down'))
    }
    const down = await pipeline.begin(input({ authorization: `Bearer ${pair.access_token}` }))
    expect(down.rejection).toMatchObject({ status: 503, code: 'ERR_STORE_UNAVAILABLE' })
  })

  it('leaves public requests alone and marks a bad token without rejecting', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const { tokens, sessions } = harness(memoryStore({ clock, quiet: true }), clock)
    const pipeline = createPipeline(sessions, [bearerAuth(tokens)])
    const none = await pipeline.begin(input({}))
    expect(none.ctx?.locals.bearer).toBeUndefined()
    expect(pipeline.responseHeaders(none.ctx)).not.toContainEqual([
      'www-authenticate',
      expect.any(String),
    ])
    const bad = await pipeline.begin(input({ authorization: 'Bearer a.b.c' }))
    expect(bad.rejection).toBeNull()
    expect(bad.ctx?.locals.bearerRefused).toBe('malformed')
    expect(pipeline.responseHeaders(bad.ctx)).toContainEqual([
      'www-authenticate',
      'Bearer error="invalid_token"',
    ])
  })
})

describe('what reaches the store', () => {
  it('holds only hashes of refresh tokens, never a raw one', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1))
    const store = memoryStore({ clock, quiet: true })
    const { tokens } = harness(store, clock)
    const first = await tokens.issue({ userId: 'u1' })
    const second = await tokens.refresh(first.refresh_token)
    const stored = JSON.stringify(await store.listByUser('u1'))
    for (const t of [first, second]) {
      expect(stored).not.toContain(parseRefreshToken(t.refresh_token)!.secret)
      expect(stored).not.toContain(t.access_token)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionStore } from '../../src/core/store.js'
import { generateKeyInput, KeySet } from '../../src/jwt/key-set.js'
import type { TokenPair } from '../../src/jwt/refresh-flow.js'
import { createTokenMode } from '../../src/jwt/token-mode.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { familySuite, harness } from './family.js'

familySuite('the memory store', async (clock) => memoryStore({ clock, quiet: true }))

const T0 = Date.UTC(2026, 0, 1)
const setup = (over: Parameters<typeof harness>[2] = {}, s: Parameters<typeof harness>[3] = {}) => {
  const clock = manualClock(T0)
  return harness(memoryStore({ clock, quiet: true }), clock, over, s)
}

/** Counts store reads, to hold the hot path to its budget. */
function counting(store: SessionStore): SessionStore & { gets: number } {
  const c = Object.assign(Object.create(store) as SessionStore, { gets: 0 })
  c.get = (id: string) => {
    c.gets++
    return store.get(id)
  }
  return c
}

describe('token mode', () => {
  it('authenticates an access token with exactly one store read and no write (stateful)', async () => {
    const clock = manualClock(T0)
    const store = counting(memoryStore({ clock, quiet: true }))
    const { tokens } = harness(store, clock)
    const pair = await tokens.issue({ userId: 'u1' })
    let writes = 0
    const update = store.update.bind(store)
    store.update = (id, p) => {
      writes++
      return update(id, p)
    }
    store.gets = 0
    for (let i = 0; i < 3; i++)
      expect(typeof (await tokens.authenticate(pair.access_token))).toBe('object')
    expect(store.gets).toBe(3)
    expect(writes).toBe(0)
  })

  it('refuses a user id that is not a non-empty string (a numeric id escaped revokeUser)', async () => {
    const { tokens, sessions } = setup()
    for (const userId of [5, '', null])
      await expect(tokens.issue({ userId } as never)).rejects.toThrow(
        /userId must be a non-empty string/,
      )
    expect(await sessions.admin.list('5')).toHaveLength(0)
  })

  it('counts token logins against the per-user cap and evicts the oldest, killing its tokens', async () => {
    const { tokens, sessions, clock, events } = setup({}, { maxSessionsPerUser: 2 })
    const a = await tokens.issue({ userId: 'u1' })
    clock.advance(1000)
    await tokens.issue({ userId: 'u1' })
    clock.advance(1000)
    await tokens.issue({ userId: 'u1' })
    expect(await sessions.admin.list('u1')).toHaveLength(2)
    expect(await tokens.authenticate(a.access_token)).toBe('revoked')
    expect(events.find((e) => e.type === 'excess_sessions_exceeded')).toMatchObject({
      handle: a.handle,
    })
  })

  it('ends a refresh token after the idle timeout and after the absolute timeout', async () => {
    const { tokens, clock } = setup({ refreshIdleTimeout: '30m', refreshAbsoluteTimeout: '1h' })
    const idle = await tokens.issue({ userId: 'u1' })
    clock.advance(30 * 60_000)
    await expect(tokens.refresh(idle.refresh_token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    })
    let pair: TokenPair = await tokens.issue({ userId: 'u1' })
    for (let i = 0; i < 5; i++) {
      clock.advance(10 * 60_000)
      pair = await tokens.refresh(pair.refresh_token)
    }
    clock.advance(10 * 60_000)
    await expect(tokens.refresh(pair.refresh_token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    })
  })

  it('refuses a refresh token as an access token and an access token as a refresh token', async () => {
    const { tokens } = setup()
    const pair = await tokens.issue({ userId: 'u1' })
    expect(await tokens.authenticate(pair.refresh_token)).toBe('malformed')
    await expect(tokens.refresh(pair.access_token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    })
  })

  it('throws a generic ERR_TOKEN_INVALID that never echoes the token', async () => {
    const { tokens, clock } = setup()
    const pair = await tokens.issue({ userId: 'u1' })
    clock.advance(10 * 60_000)
    const error = await tokens.verify(pair.access_token).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'ERR_TOKEN_INVALID',
      status: 401,
      message: 'invalid token',
    })
    expect(String((error as Error).stack)).not.toContain(pair.access_token.split('.')[2])
  })

  it('ends the session on refresh when the user may no longer sign in', async () => {
    let active = true
    const { tokens, sessions } = setup({ isUserActive: () => active })
    const pair = await tokens.issue({ userId: 'u1' })
    active = false
    await expect(tokens.refresh(pair.refresh_token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
    })
    expect(await sessions.admin.list('u1')).toEqual([])
  })

  it('rotates the signing key: old tokens verify until they expire, then the old key is gone', async () => {
    const { tokens, clock } = setup()
    const before = await tokens.issue({ userId: 'u1' })
    const oldKid = tokens.keys.signer.kid
    tokens.rotateKey(generateKeyInput('ES256'))
    const after = await tokens.refresh(before.refresh_token)
    expect(
      JSON.parse(Buffer.from(after.access_token.split('.')[0]!, 'base64url').toString()),
    ).toMatchObject({ alg: 'ES256' })
    expect(typeof (await tokens.authenticate(before.access_token))).toBe('object')
    expect(tokens.jwks().keys).toHaveLength(2)
    clock.advance(304_999)
    expect(await tokens.authenticate(before.access_token)).toMatchObject({ claims: { sub: 'u1' } })
    clock.advance(1)
    expect(await tokens.authenticate(before.access_token)).toBe('kid')
    expect(tokens.keys.find(oldKid)).toBeNull()
    const later = await tokens.refresh(after.refresh_token)
    expect(await tokens.authenticate(later.access_token)).toMatchObject({ claims: { sub: 'u1' } })
  })

  it('forgets a cached verification when its key is removed', async () => {
    const { tokens } = setup()
    const pair = await tokens.issue({ userId: 'u1' })
    expect(typeof (await tokens.authenticate(pair.access_token))).toBe('object')
    const kid = tokens.keys.signer.kid
    tokens.rotateKey(generateKeyInput())
    tokens.keys.remove(kid)
    expect(await tokens.authenticate(pair.access_token)).toBe('kid')
  })

  it('agrees whether it verifies with the fast path or with jose', async () => {
    const { tokens, sessions } = setup({ verifier: 'jose', verifiedCacheSize: 0 })
    const pair = await tokens.issue({ userId: 'u1' })
    expect(await tokens.authenticate(pair.access_token)).toMatchObject({ claims: { sub: 'u1' } })
    await sessions.revoke(pair.handle, { owner: 'u1' })
    expect(await tokens.authenticate(pair.access_token)).toBe('revoked')
  })
})

describe('the stateless+denylist revocation mode', () => {
  it('authenticates without reading the store', async () => {
    const clock = manualClock(T0)
    const store = counting(memoryStore({ clock, quiet: true }))
    const { tokens } = harness(store, clock, { revocation: 'stateless+denylist' })
    const pair = await tokens.issue({ userId: 'u1' })
    store.gets = 0
    expect(await tokens.authenticate(pair.access_token)).toMatchObject({
      record: null,
      claims: { sub: 'u1' },
    })
    expect(store.gets).toBe(0)
  })

  it('denies the tokens of a revoked session, of a revoked user and of a revoked jti at once', async () => {
    const { tokens, sessions } = setup({ revocation: 'stateless+denylist' })
    const a = await tokens.issue({ userId: 'u1' })
    await sessions.revoke(a.handle, { owner: 'u1' })
    expect(await tokens.authenticate(a.access_token)).toBe('revoked')
    const b = await tokens.issue({ userId: 'u2' })
    const c = await tokens.issue({ userId: 'u2' })
    await sessions.revokeUser('u2', { reason: 'password_change' })
    expect(await tokens.authenticate(b.access_token)).toBe('revoked')
    expect(await tokens.authenticate(c.access_token)).toBe('revoked')
    const d = await tokens.issue({ userId: 'u3' })
    expect(await tokens.revoke(d.access_token)).toBe(true)
    expect(await tokens.authenticate(d.access_token)).toBe('revoked')
  })

  it('denies the access tokens of a family ended by refresh-token reuse', async () => {
    const { tokens, clock } = setup({ revocation: 'stateless+denylist' })
    const first = await tokens.issue({ userId: 'u1' })
    const second = await tokens.refresh(first.refresh_token)
    clock.advance(11_000)
    await expect(tokens.refresh(first.refresh_token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_REUSED',
    })
    expect(await tokens.authenticate(second.access_token)).toBe('revoked')
  })

  it('drops denylist entries once the tokens they refuse have expired', async () => {
    const { tokens, sessions, clock } = setup({ revocation: 'stateless+denylist' })
    const a = await tokens.issue({ userId: 'u1' })
    await sessions.revoke(a.handle, { owner: 'u1' })
    const denylist = tokens.options.denylist!
    expect(denylist.isDenied('x', a.handle, clock.now())).toBe(true)
    clock.advance(5 * 60_000 + 6_001)
    expect(denylist.isDenied('x', a.handle, clock.now())).toBe(false)
  })
})

describe('token mode configuration', () => {
  const clock = manualClock(T0)
  const base = () => harness(memoryStore({ clock, quiet: true }), clock).sessions
  const make = (over: Record<string, unknown>) => () =>
    createTokenMode({
      sessions: base(),
      keys: KeySet.generate(),
      issuer: 'i',
      audience: 'a',
      refreshSecret: 'k'.repeat(43),
      ...over,
    })

  it.each([
    ['an HS256 secret under 256 bits', { keys: [{ alg: 'HS256', key: 'k'.repeat(42) }] }],
    ['a short refresh secret', { refreshSecret: 'short' }],
    ['a refresh secret that is not base64url', { refreshSecret: `${'k'.repeat(43)}!` }],
    ['an RSA key', { keys: [{ key: '{"kty":"RSA","n":"x","e":"AQAB","d":"x"}' }] }],
    ['a public key as a signing key', { keys: [{ key: KeySet.generate().signer.verifyKey }] }],
    [
      'a key that does not match its alg',
      { keys: [{ ...generateKeyInput('EdDSA'), alg: 'ES256' }] },
    ],
    ['a concurrent window over 60 s', { concurrentRefreshWindow: '61s' }],
    ['an access token outliving the idle timeout', { accessTokenTtl: '31m' }],
    ['an unknown revocation mode', { revocation: 'stateless' }],
    ['a missing issuer', { issuer: '' }],
  ])('refuses %s at start-up with ERR_CONFIG', (_what, over) => {
    expect(make(over)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }))
  })

  it('accepts an HS256 secret of exactly 256 bits and never publishes it', () => {
    const tokens = make({ keys: [{ alg: 'HS256', key: 'k'.repeat(43) }] })()
    expect(tokens.jwks()).toEqual({ keys: [] })
  })
})

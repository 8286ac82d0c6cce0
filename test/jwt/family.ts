import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Clock, manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import type { SessionStore } from '../../src/core/store.js'
import { KeySet } from '../../src/jwt/key-set.js'
import type { TokenModeOptions } from '../../src/jwt/options.js'
import { parseRefreshToken } from '../../src/jwt/refresh-token.js'
import { createTokenMode, type TokenMode } from '../../src/jwt/token-mode.js'

/** A fresh token mode over `store`, with a manual clock and an event log. */
export interface Harness {
  clock: ReturnType<typeof manualClock>
  sessions: SessionManager
  tokens: TokenMode
  events: SessionEvent[]
}

/** Builds a token mode over a store built with the harness clock. */
export function harness(
  store: SessionStore,
  clock: ReturnType<typeof manualClock>,
  over: Partial<TokenModeOptions> = {},
  sessionOver: { maxSessionsPerUser?: number } = {},
): Harness {
  const sessions = createSessions({ store, clock, production: false, ...sessionOver })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  const tokens = createTokenMode({
    sessions,
    keys: KeySet.generate('EdDSA', { clock }),
    issuer: 'https://bank.example',
    audience: 'bank-api',
    refreshSecret: 'k'.repeat(43),
    ...over,
  })
  return { clock, sessions, tokens, events }
}

/**
 * The refresh-family behaviour every store must support through the plain store contract:
 * rotation, the concurrent window, reuse ending the family, and revocation.
 *
 * `up` comes from the service gate (`serviceGate`): false skips the whole suite in the
 * runner's report (never a vacuous pass); under `CI=true` the gate has already thrown.
 */
export function familySuite(
  name: string,
  makeStore: (clock: Clock) => SessionStore | Promise<SessionStore>,
  up = true,
): void {
  describe.runIf(up)(`token families on ${name}`, () => {
    // Real "now": Redis expires keys natively at absolute instants (PEXPIREAT).
    const clock = manualClock(Date.now())
    let store: SessionStore
    beforeAll(async () => {
      store = await makeStore(clock)
    })
    afterAll(async () => {
      await store?.close()
    })
    const h = () => harness(store, clock)
    const user = () => `user-${Math.random().toString(36).slice(2)}`

    it('issues a pair whose session is listed as a token session and authenticates', async () => {
      const { tokens, sessions } = h()
      const u = user()
      const pair = await tokens.issue({ userId: u, ip: '203.0.113.9', userAgent: 'curl/8' })
      expect(pair.token_type).toBe('Bearer')
      expect(pair.expires_in).toBe(300)
      const list = await sessions.admin.list(u)
      expect(list).toHaveLength(1)
      expect(list[0]).toMatchObject({ handle: pair.handle, kind: 'token', ip: '203.0.113.9' })
      const auth = await tokens.authenticate(pair.access_token)
      expect(auth).toMatchObject({ claims: { sub: u, sid: pair.handle }, record: { userId: u } })
    })

    it('rotates on every use, returns the same successor inside the window, and ends the family on reuse after it', async () => {
      const { tokens, sessions, events } = h()
      const u = user()
      const first = await tokens.issue({ userId: u })
      const second = await tokens.refresh(first.refresh_token)
      expect(second.refresh_token).not.toBe(first.refresh_token)
      // Concurrent refresh with the same token, 3 s later: the same successor, no theft alarm.
      clock.advance(3_000)
      const again = await tokens.refresh(first.refresh_token)
      expect(again.refresh_token).toBe(second.refresh_token)
      // EdDSA signatures are deterministic: the whole pair is identical.
      expect(again.access_token).toBe(second.access_token)
      expect(events.some((e) => e.type === 'authn_token_reuse')).toBe(false)
      // The successor works; then the first token, now two generations old, is theft.
      const third = await tokens.refresh(second.refresh_token)
      await expect(tokens.refresh(first.refresh_token)).rejects.toMatchObject({
        code: 'ERR_TOKEN_REUSED',
      })
      const reuse = events.find((e) => e.type === 'authn_token_reuse')
      expect(reuse).toMatchObject({ level: 'critical', userId: u, handle: first.handle })
      expect(JSON.stringify(events)).not.toContain(parseRefreshToken(first.refresh_token)!.secret)
      // The whole family is gone: newest refresh token and every access token.
      await expect(tokens.refresh(third.refresh_token)).rejects.toMatchObject({
        code: 'ERR_TOKEN_INVALID',
      })
      expect(await tokens.authenticate(third.access_token)).toBe('revoked')
      expect(await sessions.admin.list(u)).toEqual([])
    })

    it('treats the predecessor as reuse once the concurrent window has passed', async () => {
      const { tokens } = h()
      const first = await tokens.issue({ userId: user() })
      const second = await tokens.refresh(first.refresh_token)
      clock.advance(10_001)
      await expect(tokens.refresh(first.refresh_token)).rejects.toMatchObject({
        code: 'ERR_TOKEN_REUSED',
      })
      expect(await tokens.authenticate(second.access_token)).toBe('revoked')
    })

    it('gives two simultaneous refreshes of one token the identical successor', async () => {
      const { tokens } = h()
      const first = await tokens.issue({ userId: user() })
      const [a, b] = await Promise.all([
        tokens.refresh(first.refresh_token),
        tokens.refresh(first.refresh_token),
      ])
      expect(a).toEqual(b)
      const next = await tokens.refresh(a.refresh_token)
      expect(parseRefreshToken(next.refresh_token)?.gen).toBe(2)
    })

    it('ignores a forged refresh token for a real family instead of ending it', async () => {
      const { tokens, events } = h()
      const pair = await tokens.issue({ userId: user() })
      const t = parseRefreshToken(pair.refresh_token)!
      for (const gen of [0, 1, 5]) {
        const forged = `tsr1.${t.handle}.${gen}.${'A'.repeat(43)}`
        await expect(tokens.refresh(forged)).rejects.toMatchObject({
          code: 'ERR_TOKEN_INVALID',
          message: 'invalid token',
        })
      }
      expect(events.some((e) => e.type === 'authn_token_reuse')).toBe(false)
      expect(typeof (await tokens.authenticate(pair.access_token))).toBe('object')
    })

    it('revokes a family by its refresh token or its access token', async () => {
      const { tokens } = h()
      const a = await tokens.issue({ userId: user() })
      expect(await tokens.revoke(a.refresh_token)).toBe(true)
      expect(await tokens.authenticate(a.access_token)).toBe('revoked')
      await expect(tokens.refresh(a.refresh_token)).rejects.toMatchObject({
        code: 'ERR_TOKEN_INVALID',
      })
      const b = await tokens.issue({ userId: user() })
      expect(await tokens.revoke(b.access_token)).toBe(true)
      await expect(tokens.refresh(b.refresh_token)).rejects.toMatchObject({
        code: 'ERR_TOKEN_INVALID',
      })
      expect(await tokens.revoke('garbage')).toBe(false)
    })

    it('ends every token session of a user on revokeUser (password change, disable)', async () => {
      const { tokens, sessions } = h()
      const u = user()
      const a = await tokens.issue({ userId: u })
      const b = await tokens.issue({ userId: u })
      expect(await sessions.revokeUser(u, { reason: 'password_change' })).toBe(2)
      for (const p of [a, b]) {
        expect(await tokens.authenticate(p.access_token)).toBe('revoked')
        await expect(tokens.refresh(p.refresh_token)).rejects.toMatchObject({
          code: 'ERR_TOKEN_INVALID',
        })
      }
    })
  })
}

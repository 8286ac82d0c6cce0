import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../core/manager.js'
import { memoryStore } from '../stores/memory/index.js'
import { memoryDenylist } from './denylist.js'
import { KeySet } from './key-set.js'
import { bearerAuth } from './plugin.js'
import { createTokenMode } from './token-mode.js'

const sessions = createSessions({ store: memoryStore() })
const base = {
  sessions,
  keys: KeySet.generate(),
  issuer: 'https://bank.example',
  audience: 'bank-api',
  refreshSecret: randomBytes(32).toString('base64url'),
}
const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

describe('token mode options', () => {
  it('refuses a misspelt key with ERR_CONFIG and the suggestion', () => {
    expect(thrown(() => createTokenMode({ ...base, accessTokenTTL: '5m' } as never))).toMatchObject(
      {
        code: 'ERR_CONFIG',
        message: expect.stringMatching(
          /createTokenMode: unknown option "accessTokenTTL": did you mean "accessTokenTtl"/,
        ),
      },
    )
  })

  it.each([
    ['accessTokenTtl', 300],
    ['leeway', 5],
    ['refreshIdleTimeout', 1800],
    ['refreshAbsoluteTimeout', 43_200],
    ['concurrentRefreshWindow', 10],
  ])('refuses %s written in seconds (%d)', (name, value) => {
    expect(thrown(() => createTokenMode({ ...base, [name]: value }))).toMatchObject({
      message: expect.stringMatching(new RegExp(`${name}: ${value} is ${value} milliseconds`)),
    })
  })

  it('accepts its documented options, numbers in milliseconds included', () => {
    const options = {
      ...base,
      accessTokenTtl: 300_000,
      leeway: '5s',
      revocation: 'stateful' as const,
      denylist: memoryDenylist(),
      concurrentRefreshWindow: '10s',
      verifier: 'fast' as const,
      verifiedCacheSize: 10,
      maxChainWalk: 10,
      isUserActive: () => true,
    }
    expect(thrown(() => createTokenMode(options))).toBeNull()
  })
})

describe('bearerAuth, memoryDenylist and KeySet options', () => {
  const tokens = createTokenMode(base)
  it('refuse misspelt keys', () => {
    expect(thrown(() => bearerAuth(tokens, { cookies: true } as never))).toMatchObject({
      message: expect.stringMatching(
        /bearerAuth\(\): unknown option "cookies": did you mean "cookie"/,
      ),
    })
    expect(thrown(() => memoryDenylist({ sweepAbov: 1 } as never))).toMatchObject({
      message: expect.stringMatching(/did you mean "sweepAbove"/),
    })
    expect(thrown(() => KeySet.generate('EdDSA', { clok: 1 } as never))).toMatchObject({
      message: expect.stringMatching(/KeySet: unknown option "clok": did you mean "clock"/),
    })
    const secret = randomBytes(32).toString('base64url')
    expect(thrown(() => new KeySet([{ key: secret, Kid: 'k1' } as never]))).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/a token key: unknown option "Kid": did you mean "kid"/),
    })
    expect(thrown(() => new KeySet([{ key: secret, algorithm: 'HS256' } as never]))).toMatchObject({
      message: expect.stringMatching(/unknown option "algorithm": known options: key, alg, kid/),
    })
    // Not express-session's hints here: an HS256 `secret` is not a cookie secret.
    expect(thrown(() => new KeySet([{ secret } as never]))).toMatchObject({
      message: expect.stringMatching(/unknown option "secret": known options: key, alg, kid$/),
    })
    expect(thrown(() => new KeySet([{ key: secret, kid: 'k1', alg: 'HS256' }]))).toBeNull()
  })

  it('accept their documented options', () => {
    expect(thrown(() => bearerAuth(tokens, { cookie: true }))).toBeNull()
    expect(thrown(() => memoryDenylist({ sweepAbove: 10 }))).toBeNull()
    expect(thrown(() => KeySet.generate('EdDSA', { clock: sessions.options.clock }))).toBeNull()
  })
})

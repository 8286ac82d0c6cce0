import { describe, expect, it, vi } from 'vitest'
import { ConfigError, loadConfig } from '../../app/config.js'
import { asConfigError } from '../../app/config-errors.js'
import { buildApp } from '../../app/server.js'
import { TesseraError } from '../../src/core/errors.js'
import { createSessions } from '../../src/core/manager.js'
import { KeySet } from '../../src/jwt/key-set.js'
import { resolveTokenOptions } from '../../src/jwt/options.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { ApiClient, startApp } from '../helpers/client.js'

const SECRET = 'x'.repeat(43)

function tokenOptions(idleTimeout: string, accessTokenTtl?: string) {
  const sessions = createSessions({ store: memoryStore({ quiet: true }), idleTimeout })
  return resolveTokenOptions({
    sessions,
    keys: KeySet.generate('EdDSA'),
    issuer: 'https://bank.example',
    audience: 'bank',
    refreshSecret: SECRET,
    accessTokenTtl,
  })
}

/** The one line the app prints for a bad configuration, or null when it builds. */
async function startupError(env: Record<string, string>): Promise<string | null> {
  try {
    const config = loadConfig({ STORE_URL: 'memory:', LOG_LEVEL: 'silent', ...env })
    const app = await buildApp(config)
    await app.close()
    return null
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
}

describe('token mode lifetimes', () => {
  it('defaults the access-token lifetime to the lesser of 5 minutes and the idle timeout', () => {
    expect(tokenOptions('30m').accessTtlMs).toBe(300_000)
    expect(tokenOptions('2m').accessTtlMs).toBe(120_000)
    expect(tokenOptions('5s').accessTtlMs).toBe(5_000)
  })

  it('still refuses an explicit access-token lifetime longer than the idle timeout', () => {
    expect(() => tokenOptions('2m', '3m')).toThrow(/accessTokenTtl must not exceed/)
    expect(tokenOptions('2m', '1m').accessTtlMs).toBe(60_000)
  })
})

describe('the reference app with a short idle timeout', () => {
  for (const [idle, seconds] of [
    ['2m', 120],
    ['5s', 5],
  ] as const) {
    it(`boots with SESSION_IDLE_TIMEOUT=${idle} and issues access tokens of ${seconds}s`, async () => {
      const running = await startApp({ SESSION_IDLE_TIMEOUT: idle })
      try {
        const c = new ApiClient(running.url)
        const login = await c.login('alice')
        expect(login.status).toBe(200)
        const pair = await c.request('POST', '/api/token', {
          username: 'alice',
          password: 'tessera-demo',
        })
        expect(pair).toMatchObject({ status: 200, body: { expires_in: seconds } })
        const token = (pair.body as { access_token: string }).access_token
        const me = await fetch(`${running.url}/api/me`, {
          headers: { authorization: `Bearer ${token}` },
        })
        expect(me.status).toBe(200)
      } finally {
        await running.close()
      }
    })
  }
})

describe('configuration errors', () => {
  it('name the variable that is actually wrong', async () => {
    expect(await startupError({ SESSION_IDLE_TIMEOUT: '24h' })).toMatch(
      /^SESSION_IDLE_TIMEOUT="24h" is invalid: must not exceed SESSION_ABSOLUTE_TIMEOUT/,
    )
    expect(await startupError({ SESSION_ABSOLUTE_TIMEOUT: '10m' })).toMatch(
      /^SESSION_ABSOLUTE_TIMEOUT="10m" is invalid: must be at least SESSION_IDLE_TIMEOUT/,
    )
    expect(await startupError({ SESSION_IDLE_TIMEOUT: '500ms' })).toMatch(
      /^SESSION_IDLE_TIMEOUT="500ms" is invalid: must be at least 1s/,
    )
    expect(await startupError({ SESSION_RENEWAL_INTERVAL: '100ms' })).toMatch(
      /^SESSION_RENEWAL_INTERVAL="100ms" is invalid/,
    )
    // Longer than the grace window (default 15s): named by the variable the operator set.
    expect(await startupError({ SESSION_RENEWAL_INTERVAL: '5s' })).toMatch(
      /^SESSION_RENEWAL_INTERVAL="5s" is invalid: must be longer than SESSION_RENEWAL_GRACE/,
    )
    // Token keys are read from the process environment by the token routes.
    vi.stubEnv('TOKEN_REFRESH_SECRET', 'short')
    try {
      expect(await startupError({})).toMatch(/^TOKEN_REFRESH_SECRET is invalid/)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('accepts the documented defaults and the OWASP high-value range', async () => {
    expect(await startupError({})).toBeNull()
    expect(await startupError({ SESSION_IDLE_TIMEOUT: '2m', REAUTH_WINDOW: '1m' })).toBeNull()
  })

  it('map library option names to variables, and leave other errors alone', () => {
    const config = (message: string) =>
      new TesseraError('ERR_CONFIG', `Tessera configuration: ${message}`)
    const name = (e: unknown) => (asConfigError(e, 'FALLBACK') as Error).message.split(' ')[0]
    expect(name(config('accessTokenTtl must not exceed the refresh idle timeout'))).toBe(
      'SESSION_IDLE_TIMEOUT',
    )
    expect(name(config('renewal.interval must be longer than renewal.grace'))).toBe(
      'SESSION_RENEWAL_INTERVAL',
    )
    expect(name(config('absoluteTimeout must be at least idleTimeout'))).toBe(
      'SESSION_ABSOLUTE_TIMEOUT',
    )
    expect(name(config('something else'))).toBe('FALLBACK')
    const other = new TesseraError('ERR_STORE_UNAVAILABLE', 'down')
    expect(asConfigError(other, 'X')).toBe(other)
    const plain = new Error('boom')
    expect(asConfigError(plain, 'X')).toBe(plain)
  })
})

import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../app/config.js'
import { sharedSecret } from '../../app/secrets.js'
import { appThrottle } from '../../app/throttle.js'

// Every process behind one address must share these: one made per process would make each
// process read the others' device cookies, refresh tokens and bound cookies as forged.
describe('secrets the reference app needs shared in production', () => {
  it('refuses a production start without the secret, naming the variable and the way out', () => {
    const prod = { NODE_ENV: 'production' }
    expect(() => sharedSecret(prod, 'TOKEN_REFRESH_SECRET')).toThrow(ConfigError)
    expect(() => sharedSecret(prod, 'TOKEN_REFRESH_SECRET')).toThrow(
      /^TOKEN_REFRESH_SECRET is missing: .*keygen/,
    )
    expect(() => sharedSecret(prod, 'DEVICE_COOKIE_SECRET', 'or set LOGIN_THROTTLE=off')).toThrow(
      /LOGIN_THROTTLE=off/,
    )
  })

  it('takes the configured value in production and makes a random one elsewhere', () => {
    expect(sharedSecret({ NODE_ENV: 'production', X: 'given' }, 'X')).toBe('given')
    const a = sharedSecret({}, 'X')
    const b = sharedSecret({ NODE_ENV: 'development' }, 'X')
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
  })

  it('stops the login throttle from starting in production without DEVICE_COOKIE_SECRET', async () => {
    await expect(
      appThrottle('memory:', undefined, undefined, { NODE_ENV: 'production' }),
    ).rejects.toThrow(/^DEVICE_COOKIE_SECRET is missing/)
    const off = await appThrottle('memory:', undefined, undefined, {
      NODE_ENV: 'production',
      LOGIN_THROTTLE: 'off',
    })
    expect(off).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { TesseraError } from '../core/errors.js'
import { memoryCounters } from './counters/memory.js'
import { THROTTLE_DEFAULTS } from './options.js'
import { loginThrottle } from './throttle.js'

const counters = memoryCounters()
const secret = 'x'.repeat(32)

function configError(options: unknown): string {
  try {
    loginThrottle(options as Parameters<typeof loginThrottle>[0])
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError)
    expect((error as TesseraError).code).toBe('ERR_CONFIG')
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('loginThrottle options', () => {
  it('accepts the minimal options and applies the documented defaults', () => {
    expect(loginThrottle({ counters, deviceCookie: { secret } }).deviceCookieName).toBe(
      '__Host-tessera-device',
    )
    expect(THROTTLE_DEFAULTS.account).toEqual({
      attempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 900_000,
      windowMs: 3_600_000,
    })
  })

  const cases: Array<[string, unknown, RegExp]> = [
    ['no options', undefined, /needs options/],
    [
      'an unknown top-level key',
      { counters, deviceCookie: false, acount: {} },
      /unknown option "acount".*account/,
    ],
    ['no counters', { deviceCookie: false }, /counters must be attempt counters/],
    [
      'counters of the wrong shape',
      { counters: new Map(), deviceCookie: false },
      /counters must be/,
    ],
    ['no deviceCookie choice', { counters }, /deviceCookie: \{ secret \}.*or false/],
    [
      'a short device secret',
      { counters, deviceCookie: { secret: 'short' } },
      /at least 32 bytes.*keygen/,
    ],
    [
      'a device secret of the wrong type',
      { counters, deviceCookie: { secret: 42 } },
      /at least 32 bytes/,
    ],
    [
      'an unknown device key',
      { counters, deviceCookie: { secret, domain: 'x' } },
      /deviceCookie: unknown option "domain"/,
    ],
    ['a bad cookie name', { counters, deviceCookie: { secret, name: 'a b' } }, /cookie name/],
    [
      'a device max age over 400 days',
      { counters, deviceCookie: { secret, maxAgeMs: 401 * 86_400_000 } },
      /400 days/,
    ],
    [
      'a misspelt budget key',
      { counters, deviceCookie: false, account: { attemps: 3 } },
      /account: unknown option "attemps": did you mean "attempts"/,
    ],
    [
      'zero attempts',
      { counters, deviceCookie: false, account: { attempts: 0 } },
      /account\.attempts must be an integer from 1/,
    ],
    [
      'fractional attempts',
      { counters, deviceCookie: false, trusted: { attempts: 2.5 } },
      /trusted\.attempts/,
    ],
    [
      'a string backoff',
      { counters, deviceCookie: false, address: { backoffMs: '1s' } },
      /address\.backoffMs/,
    ],
    [
      'a wait longer than the window',
      { counters, deviceCookie: false, account: { maxBackoffMs: 7_200_000 } },
      /maxBackoffMs must be .*between backoffMs and windowMs/,
    ],
    [
      'a longest wait under the first wait',
      { counters, deviceCookie: false, account: { backoffMs: 5000, maxBackoffMs: 1000 } },
      /maxBackoffMs/,
    ],
    [
      'a budget that is not an object',
      { counters, deviceCookie: false, account: 5 },
      /account must be an object/,
    ],
    [
      'address: true',
      { counters, deviceCookie: false, address: true },
      /address must be an object/,
    ],
    [
      'a negative rememberAddressMs',
      { counters, deviceCookie: false, rememberAddressMs: -1 },
      /rememberAddressMs/,
    ],
    ['a clock without now()', { counters, deviceCookie: false, clock: {} }, /clock must have now/],
  ]
  for (const [what, options, message] of cases)
    it(`refuses ${what} with ERR_CONFIG and a hint`, () => {
      expect(configError(options)).toMatch(message)
    })
})

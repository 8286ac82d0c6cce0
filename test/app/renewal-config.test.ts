import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../app/config.js'
import { buildApp } from '../../app/server.js'

// SESSION_RENEWAL_INTERVAL and SESSION_RENEWAL_GRACE: validated together, and the error names
// the variable the operator set (the library's own check would name its options instead).
const base = { STORE_URL: 'memory:', LOG_LEVEL: 'silent' }
const load = (env: Record<string, string>) => () => loadConfig({ ...base, ...env })

describe('periodic renewal configuration', () => {
  it('is off by default, with the library default grace', () => {
    expect(loadConfig(base)).toMatchObject({ renewalIntervalMs: null, renewalGraceMs: 15_000 })
    expect(loadConfig({ ...base, SESSION_RENEWAL_INTERVAL: 'off' }).renewalIntervalMs).toBeNull()
  })

  it('reads the interval and the grace window', () => {
    const c = loadConfig({
      ...base,
      SESSION_RENEWAL_INTERVAL: '2s',
      SESSION_RENEWAL_GRACE: '1s',
    })
    expect(c).toMatchObject({ renewalIntervalMs: 2000, renewalGraceMs: 1000 })
    expect(
      loadConfig({ ...base, SESSION_RENEWAL_INTERVAL: '1s', SESSION_RENEWAL_GRACE: '0s' })
        .renewalGraceMs,
    ).toBe(0)
  })

  it('builds an app whose library accepts the pair', async () => {
    const app = await buildApp(
      loadConfig({ ...base, SESSION_RENEWAL_INTERVAL: '2s', SESSION_RENEWAL_GRACE: '1500ms' }),
    )
    await app.close()
  })

  it('refuses a grace window as long as the interval, naming the variable that was set', () => {
    expect(load({ SESSION_RENEWAL_INTERVAL: '2s', SESSION_RENEWAL_GRACE: '2s' })).toThrow(
      /^SESSION_RENEWAL_GRACE="2s" is invalid: must be shorter than SESSION_RENEWAL_INTERVAL \("2s"\)/,
    )
    expect(load({ SESSION_RENEWAL_INTERVAL: '10s' })).toThrow(
      /^SESSION_RENEWAL_INTERVAL="10s" is invalid: must be longer than SESSION_RENEWAL_GRACE \(default 15s\)/,
    )
  })

  it('refuses bad values, a grace over 60s and a grace without an interval', () => {
    const bad = (env: Record<string, string>, message: RegExp) => expect(load(env)).toThrow(message)
    bad(
      { SESSION_RENEWAL_INTERVAL: '2s', SESSION_RENEWAL_GRACE: 'soon' },
      /^SESSION_RENEWAL_GRACE="soon" is invalid/,
    )
    bad(
      { SESSION_RENEWAL_INTERVAL: '5m', SESSION_RENEWAL_GRACE: '61s' },
      /^SESSION_RENEWAL_GRACE="61s" is invalid: must be at most 60s/,
    )
    bad(
      { SESSION_RENEWAL_GRACE: '1s' },
      /^SESSION_RENEWAL_GRACE="1s" is invalid: needs SESSION_RENEWAL_INTERVAL/,
    )
    bad(
      { SESSION_RENEWAL_INTERVAL: 'off', SESSION_RENEWAL_GRACE: '1s' },
      /needs SESSION_RENEWAL_INTERVAL/,
    )
    bad(
      { SESSION_RENEWAL_INTERVAL: '500ms', SESSION_RENEWAL_GRACE: '0s' },
      /^SESSION_RENEWAL_INTERVAL="500ms" is invalid: must be at least 1s/,
    )
  })
})

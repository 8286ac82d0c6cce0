import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../app/config.js'
import { appDbsc } from '../../app/routes/dbsc.js'
import { createSessions } from '../../src/core/manager.js'
import { memoryStore } from '../../src/stores/memory/index.js'

const sessions = () => createSessions({ store: memoryStore({ quiet: true }) })
const SECRET = 'k'.repeat(43)

describe('the reference app’s DBSC settings', () => {
  it('refuses a production start without DBSC_SECRET, naming the variable and the way out', () => {
    // Each process would make its own: behind a load balancer every bound cookie would read as
    // invalid on the other processes (a 307 and a critical anomaly on each request).
    expect(() => appDbsc(sessions(), null, { NODE_ENV: 'production' })).toThrow(ConfigError)
    expect(() => appDbsc(sessions(), null, { NODE_ENV: 'production' })).toThrow(
      /^DBSC_SECRET is missing: .*keygen.*DBSC=off/,
    )
    expect(
      appDbsc(sessions(), null, { NODE_ENV: 'production', DBSC_SECRET: SECRET }),
    ).not.toBeNull()
    expect(appDbsc(sessions(), null, { NODE_ENV: 'production', DBSC: 'off' })).toBeNull()
  })

  it('makes a secret outside production, and refuses a short one or an unknown mode', () => {
    expect(appDbsc(sessions(), null, {})).not.toBeNull()
    expect(() => appDbsc(sessions(), null, { DBSC_SECRET: 'short' })).toThrow(
      /DBSC_SECRET is invalid/,
    )
    expect(() => appDbsc(sessions(), null, { DBSC: 'yes' })).toThrow(/DBSC="yes" is invalid/)
  })
})

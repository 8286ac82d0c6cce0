import { describe, expect, it } from 'vitest'
import { createSessions } from '../core/manager.js'
import { memoryStore } from '../stores/memory/index.js'
import { csrf } from './plugin.js'

const sessions = createSessions({ store: memoryStore() })
const origins = ['https://bank.example']
const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

describe('csrf() options', () => {
  it('refuses a misspelt key with ERR_CONFIG and the right name', () => {
    expect(thrown(() => csrf({ sessions, origins, exemptPath: ['/x'] } as never))).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(
        /csrf\(\): unknown option "exemptPath": did you mean "exemptPaths"/,
      ),
    })
  })

  it('refuses a misspelt preLogin key', () => {
    const preLogin = { paths: ['/login'], ttll: '1h' }
    expect(thrown(() => csrf({ sessions, origins, preLogin } as never))).toMatchObject({
      message: expect.stringMatching(/preLogin: unknown option "ttll": did you mean "ttl"/),
    })
  })

  it('refuses a pre-login lifetime written in seconds', () => {
    const preLogin = { paths: ['/login'], ttl: 3600 }
    expect(thrown(() => csrf({ sessions, origins, preLogin }))).toMatchObject({
      message: expect.stringMatching(/csrf.preLogin.ttl: 3600 is 3600 milliseconds.*'30m'/),
    })
  })

  it('accepts every documented option', () => {
    const options = {
      sessions,
      origins,
      trustedOrigins: ['https://app.bank.example'],
      header: 'x-csrf-token',
      exemptPaths: ['/api/token'],
      exemptWithoutSession: ['/logout'],
      deferForms: () => false,
      preLogin: { paths: ['/login'], ttl: '1h', cookie: 'pre', secret: 'k'.repeat(32) },
    }
    expect(thrown(() => csrf(options))).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { securityHeaders } from './plugin.js'

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

describe('securityHeaders() options', () => {
  it('refuses a misspelt key with ERR_CONFIG and the right name', () => {
    expect(thrown(() => securityHeaders({ header: {} } as never))).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(
        /securityHeaders\(\): unknown option "header": did you mean "headers"/,
      ),
    })
  })

  it('refuses a misspelt CSP directive, which browsers would ignore', () => {
    expect(thrown(() => securityHeaders({ csp: { 'img-scr': ["'self'"] } }))).toMatchObject({
      message: expect.stringMatching(/csp: unknown option "img-scr": did you mean "img-src"/),
    })
  })

  it('accepts every documented option and known directives', () => {
    const options = {
      csp: { 'img-src': ["'self'", 'https://images.example'], 'object-src': null },
      cspReportOnly: true,
      hsts: 'max-age=600',
      headers: { 'x-extra': 'yes' },
    }
    expect(thrown(() => securityHeaders(options))).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { assertSecureTransport } from './guard.js'
import { httpsRedirect } from './redirect.js'
import { selfSignedCertificate } from './self-signed.js'
import { loadCertificate } from './server.js'

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

const cases: Array<[string, () => unknown, RegExp, () => unknown]> = [
  [
    'httpsRedirect',
    () => httpsRedirect({ origin: 'https://bank.example', apiPrefix: ['/api/'] } as never),
    /httpsRedirect\(\): unknown option "apiPrefix": did you mean "apiPrefixes"/,
    () => httpsRedirect({ origin: 'https://bank.example', apiPrefixes: ['/api/'] }),
  ],
  [
    'selfSignedCertificate',
    () => selfSignedCertificate({ host: ['localhost'] } as never),
    /selfSignedCertificate\(\): unknown option "host": did you mean "hosts"/,
    () => selfSignedCertificate({ hosts: ['localhost'], days: 1, keyType: 'ec', via: 'node' }),
  ],
  [
    'loadCertificate',
    () => loadCertificate({ certfile: 'a', keyFile: 'b' } as never),
    /certificate: unknown option "certfile": did you mean "certFile"/,
    () => loadCertificate({ selfSigned: true }),
  ],
  [
    'assertSecureTransport',
    () =>
      assertSecureTransport({ production: true, https: false, trustproxy: ['10.0.0.1'] } as never),
    /assertSecureTransport\(\): unknown option "trustproxy": did you mean "trustProxy"/,
    () => assertSecureTransport({ production: true, https: false, trustProxy: ['10.0.0.1'] }),
  ],
]

describe.each(cases)('%s options', (_name, misspelt, message, valid) => {
  it('refuses a misspelt key with ERR_CONFIG and the suggestion', () => {
    expect(thrown(misspelt)).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(message),
    })
  })

  it('accepts its documented options', () => {
    expect(thrown(valid)).toBeNull()
  })
})

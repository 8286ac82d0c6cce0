import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { KeySet } from '../../src/jwt/key-set.js'
import type { TokenAlg } from '../../src/jwt/keys.js'
import type { VerifyPolicy, VerifyResult } from '../../src/jwt/policy.js'
import { accessClaims, signAccessToken } from '../../src/jwt/sign.js'
import { verifyFast, verifyFastPooled } from '../../src/jwt/verify-fast.js'
import { verifyWithJose } from '../../src/jwt/verify-jose.js'
import { b64, forge, signWith } from './forge.js'

const ISS = 'https://bank.example'
const AUD = 'bank-api'
const T0 = Date.UTC(2026, 0, 1)

type Verifier = (
  token: unknown,
  p: VerifyPolicy,
  now: number,
) => VerifyResult | Promise<VerifyResult>
const verifiers: Array<[string, Verifier]> = [
  ['the node:crypto fast path', verifyFast],
  ['the node:crypto fast path on the thread pool', verifyFastPooled],
  ['the jose reference path', verifyWithJose],
]

function setup(alg: TokenAlg = 'EdDSA') {
  const clock = manualClock(T0)
  const keys = KeySet.generate(alg, { clock })
  const policy: VerifyPolicy = { keys, issuer: ISS, audience: AUD, leewaySec: 5 }
  const claims = (over: Record<string, unknown> = {}) => ({
    ...accessClaims({
      issuer: ISS,
      audience: AUD,
      subject: 'u1',
      sessionHandle: 'h'.repeat(22),
      nowMs: clock.now(),
      ttlMs: 300_000,
    }),
    ...over,
  })
  return { clock, keys, policy, claims }
}

describe.each(verifiers)('access-token verification with %s', (_name, verify) => {
  const refuse = async (token: unknown, policy: VerifyPolicy, now = T0) => {
    const r = await verify(token, policy, now)
    expect(r.ok).toBe(false)
    return r.ok ? null : r.reason
  }

  it.each(['EdDSA', 'ES256', 'HS256'] as const)(
    'accepts a %s token it issued, with the exact claims',
    async (alg) => {
      const { keys, policy, claims } = setup(alg)
      const c = claims()
      const token = await signAccessToken(keys.signer, c)
      const r = await verify(token, policy, T0)
      expect(r).toEqual({ ok: true, claims: c, kid: keys.signer.kid })
      expect(Object.keys(c).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'])
    },
  )

  it('refuses a token whose payload was tampered with', async () => {
    const { keys, policy, claims } = setup()
    const [h, , s] = (await signAccessToken(keys.signer, claims())).split('.')
    expect(await refuse(`${h}.${b64(claims({ sub: 'admin' }))}.${s}`, policy)).toBe('signature')
  })

  it('refuses a token with its signature stripped or emptied', async () => {
    const { keys, policy, claims } = setup()
    const [h, p] = (await signAccessToken(keys.signer, claims())).split('.')
    expect(await refuse(`${h}.${p}.`, policy)).toBe('malformed')
    expect(await refuse(`${h}.${p}`, policy)).toBe('malformed')
    expect(await refuse(`${h}.${p}.AAAA`, policy)).toBe('signature')
  })

  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s, signed or not', async (alg) => {
    const { keys, policy, claims } = setup()
    const header = { alg, typ: 'at+jwt', kid: keys.signer.kid }
    expect(await refuse(forge(header, claims(), null), policy)).toBe('malformed')
    const withSig = `${forge(header, claims(), null)}${b64('x'.repeat(64))}`
    expect(await refuse(withSig, policy)).toBe('alg')
  })

  it('refuses HS256 tokens forged with the public key (key confusion)', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { keys, policy, claims } = setup(alg)
      const pub = keys.signer.verifyKey
      const materials = [
        pub.export({ format: 'der', type: 'spki' }),
        Buffer.from(String(pub.export({ format: 'pem', type: 'spki' }))),
        Buffer.from(JSON.stringify(pub.export({ format: 'jwk' }))),
        Buffer.from(String(pub.export({ format: 'jwk' }).x), 'base64url'),
      ]
      for (const key of materials) {
        const t = forge({ alg: 'HS256', typ: 'at+jwt', kid: keys.signer.kid }, claims(), {
          alg: 'HS256',
          key,
        })
        expect(await refuse(t, policy)).toBe('alg')
      }
    }
  })

  it('refuses a foreign algorithm even when the signature is valid for its key', async () => {
    const { keys, policy, claims } = setup()
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const t = forge({ alg: 'RS256', typ: 'at+jwt', kid: keys.signer.kid }, claims(), {
      alg: 'RS256',
      key: rsa,
    })
    expect(await refuse(t, policy)).toBe('alg')
    const es = setup('ES256')
    const cross = forge({ alg: 'ES256', typ: 'at+jwt', kid: keys.signer.kid }, claims(), {
      alg: 'ES256',
      key: es.keys.signer.signingKey,
    })
    expect(await refuse(cross, policy)).toBe('alg')
  })

  it.each([
    ['jku', 'https://evil.example/jwks.json'],
    ['jwk', { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }],
    ['x5u', 'https://evil.example/cert.pem'],
    ['x5c', ['MIIB']],
    ['crit', ['exp']],
    ['b64', true],
    ['cty', 'JWT'],
  ])('refuses a correctly signed token with a %s header', async (name, value) => {
    const { keys, policy, claims } = setup()
    expect(await refuse(signWith(keys.signer, claims(), { [name]: value }), policy)).toBe('header')
  })

  it('refuses a wrong, missing or non-string kid', async () => {
    const { keys, policy, claims } = setup()
    expect(await refuse(signWith(keys.signer, claims(), { kid: 'nope' }), policy)).toBe('kid')
    expect(await refuse(signWith(keys.signer, claims(), { kid: undefined }), policy)).toBe('kid')
    expect(await refuse(signWith(keys.signer, claims(), { kid: 7 }), policy)).toBe('kid')
  })

  it('refuses a missing or different typ, including a refresh-style JWT', async () => {
    const { keys, policy, claims } = setup()
    for (const typ of [undefined, 'JWT', 'AT+JWT', 'application/at+jwt', 'rt+jwt'])
      expect(await refuse(signWith(keys.signer, claims(), { typ }), policy)).toBe('header')
  })

  it('refuses an expired token, honouring the 5 s leeway at the boundary', async () => {
    const { keys, policy, claims } = setup()
    const c = claims()
    const token = signWith(keys.signer, c)
    expect((await verify(token, policy, c.exp * 1000 + 4_999)).ok).toBe(true)
    expect(await refuse(token, policy, c.exp * 1000 + 5_000)).toBe('expired')
  })

  it('refuses a token that is not valid yet (nbf beyond the leeway)', async () => {
    const { keys, policy, claims } = setup()
    const nbf = T0 / 1000 + 60
    expect(await refuse(signWith(keys.signer, claims({ nbf })), policy)).toBe('not_yet_valid')
    expect(
      (await verify(signWith(keys.signer, claims({ nbf: T0 / 1000 + 5 })), policy, T0)).ok,
    ).toBe(true)
  })

  it.each(['exp', 'iat', 'sub', 'sid', 'jti', 'iss', 'aud'])(
    'refuses a token without %s',
    async (name) => {
      const { keys, policy, claims } = setup()
      const c: Record<string, unknown> = claims()
      delete c[name]
      const reason = await refuse(signWith(keys.signer, c), policy)
      expect(['claims', 'issuer', 'audience']).toContain(reason)
    },
  )

  it('refuses claims of the wrong type', async () => {
    const { keys, policy, claims } = setup()
    for (const over of [
      { exp: '9999999999' },
      { iat: null },
      { sub: 1 },
      { sid: '' },
      { jti: 'x'.repeat(257) },
      { nbf: '0' },
    ])
      expect(await refuse(signWith(keys.signer, claims(over)), policy)).toBe('claims')
  })

  it('refuses a wrong issuer and a wrong audience, and accepts an audience list that has ours', async () => {
    const { keys, policy, claims } = setup()
    expect(
      await refuse(signWith(keys.signer, claims({ iss: 'https://evil.example' })), policy),
    ).toBe('issuer')
    expect(await refuse(signWith(keys.signer, claims({ aud: 'other-api' })), policy)).toBe(
      'audience',
    )
    expect(await refuse(signWith(keys.signer, claims({ aud: ['other-api'] })), policy)).toBe(
      'audience',
    )
    expect((await verify(signWith(keys.signer, claims({ aud: ['x', AUD] })), policy, T0)).ok).toBe(
      true,
    )
  })

  it('refuses a refresh token, garbage and oversized input as malformed', async () => {
    const { keys, policy, claims } = setup()
    const rt = `tsr1.${'h'.repeat(22)}.0.${'s'.repeat(43)}`
    for (const bad of [
      rt,
      '',
      'a.b',
      'a.b.c.d',
      ' a.b.c',
      'a=.b.c',
      42,
      null,
      undefined,
      {},
      'é.é.é',
    ])
      expect(await refuse(bad, policy)).toBe('malformed')
    const big = signWith(keys.signer, claims({ pad: 'x'.repeat(4096) }))
    expect(await refuse(big, policy)).toBe('malformed')
  })

  it('refuses a payload that is not a JSON object or not UTF-8', async () => {
    const { keys, policy } = setup()
    for (const payload of [[], 'text', 7, null])
      expect(await refuse(signWith(keys.signer, payload), policy)).toBe('malformed')
    const header = b64({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.signer.kid })
    const badUtf8 = Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')
    const t = forge(
      { alg: 'EdDSA', typ: 'at+jwt', kid: keys.signer.kid },
      {},
      { alg: 'EdDSA', key: keys.signer.signingKey },
    )
    expect(t.startsWith(header)).toBe(true)
    expect(await refuse(`${header}.${badUtf8}.${t.split('.')[2]}`, policy)).not.toBeNull()
  })

  it('keeps verifying the old key after a rotation until its tokens have expired', async () => {
    const { keys, policy, claims, clock } = setup()
    const old = signWith(keys.signer, claims())
    const oldKid = keys.signer.kid
    keys.rotate({ key: generateKeyPairSync('ed25519').privateKey }, 305_000)
    expect(keys.signer.kid).not.toBe(oldKid)
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([oldKid, keys.signer.kid])
    expect((await verify(old, policy, clock.now())).ok).toBe(true)
    expect((await verify(signWith(keys.signer, claims()), policy, clock.now())).ok).toBe(true)
    clock.advance(305_000)
    expect(await refuse(old, policy, clock.now())).toBe('kid')
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([keys.signer.kid])
  })
})

import { execFile } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { KeySet } from '../../src/jwt/key-set.js'

const run = promisify(execFile)
const tessera = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: process.cwd() })

describe('npx tessera-session keygen', () => {
  it('prints an Ed25519 private JWK by default, with the kid Tessera computes', async () => {
    const { stdout } = await tessera('keygen')
    const jwk = JSON.parse(stdout)
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
    expect(typeof jwk.d).toBe('string')
    const keys = new KeySet([{ key: stdout }])
    expect(keys.signer).toMatchObject({ alg: 'EdDSA', kid: jwk.kid })
  })

  it('prints an ES256 key as PKCS#8 PEM on request', async () => {
    const { stdout } = await tessera('keygen', '--alg', 'ES256', '--format', 'pem')
    expect(stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/)
    expect(createPrivateKey(stdout).asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(new KeySet([{ key: stdout }]).signer.alg).toBe('ES256')
  })

  it('prints a fresh 256-bit base64url secret for HS256, different every time', async () => {
    const a = (await tessera('keygen', '--alg=HS256')).stdout.trim()
    const b = (await tessera('keygen', '--alg=HS256')).stdout.trim()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
    expect(new KeySet([{ key: a }]).signer.alg).toBe('HS256')
    expect((await tessera('keygen', '--alg', 'HS256', '--bytes', '64')).stdout.trim()).toHaveLength(
      86,
    )
  })

  it.each([
    [['keygen', '--alg', 'RS256']],
    [['keygen', '--alg', 'HS256', '--bytes', '16']],
    [['keygen', '--format', 'der']],
    [['keygen', '--alg']],
    [['keygen', '--what', 'x']],
    [['frobnicate']],
  ])('exits with status 2 and usage on bad arguments %j', async (args) => {
    const error = (await tessera(...args).catch((e: unknown) => e)) as {
      code: number
      stderr: string
      stdout: string
    }
    expect(error.code).toBe(2)
    expect(error.stderr).toContain('usage: tessera')
    expect(error.stdout).toBe('')
  })
})

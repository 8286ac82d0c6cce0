import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import {
  generateHandle,
  generateToken,
  hashToken,
  isWellFormedToken,
  TOKEN_LENGTH,
  timingSafeEqualString,
} from './token.js'

describe('tokens', () => {
  it('are 43 base64url characters carrying 256 bits', () => {
    for (let i = 0; i < 200; i++) {
      const t = generateToken()
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(t, 'base64url')).toHaveLength(32)
    }
    expect(TOKEN_LENGTH).toBe(43)
  })

  it('never repeat', () => {
    const seen = new Set(Array.from({ length: 10_000 }, generateToken))
    expect(seen.size).toBe(10_000)
  })

  it('hash to the SHA-256 of the token, as createHash computes it', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(hashToken(s)).toBe(createHash('sha256').update(s).digest('base64url'))
      }),
    )
  })

  it('handles are 128-bit base64url and differ from tokens', () => {
    const h = generateHandle()
    expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(isWellFormedToken(h)).toBe(false)
  })
})

describe('the token decoder', () => {
  it('accepts only the exact token shape', () => {
    expect(isWellFormedToken(generateToken())).toBe(true)
    for (const bad of [
      '',
      'a'.repeat(42),
      'a'.repeat(44),
      `${'a'.repeat(42)}=`,
      `${'a'.repeat(42)}+`,
      `${'a'.repeat(42)}/`,
      `${'a'.repeat(42)}\n`,
      `${'a'.repeat(42)}é`,
    ]) {
      expect(isWellFormedToken(bad)).toBe(false)
    }
  })

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => {
        const ok = isWellFormedToken(s)
        expect(ok).toBe(/^[A-Za-z0-9_-]{43}$/.test(s))
      }),
    )
  })
})

describe('constant-time comparison', () => {
  it('is true exactly for equal strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(timingSafeEqualString(a, b)).toBe(a === b)
        expect(timingSafeEqualString(a, a)).toBe(true)
      }),
    )
  })
})

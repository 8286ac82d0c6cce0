import { randomBytes, timingSafeEqual } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CSRF_TOKEN_LENGTH, maskToken, unmaskToken, verifyToken } from '../../src/csrf/token.js'

const secret = randomBytes(32)
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('the CSRF token parser', () => {
  it('never throws and never verifies on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(unmaskToken(value)).toBeNull()
        expect(verifyToken(value, secret)).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('never verifies arbitrary strings, even of the right length and alphabet', () => {
    const shaped = fc
      .array(fc.constantFrom(...B64URL), {
        minLength: CSRF_TOKEN_LENGTH,
        maxLength: CSRF_TOKEN_LENGTH,
      })
      .map((cs) => cs.join(''))
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), shaped), (s) => {
        expect(verifyToken(s, secret)).toBe(false)
      }),
      { numRuns: 3000 },
    )
  })

  it('refuses every single-character alteration of a valid token', () => {
    const token = maskToken(secret)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: CSRF_TOKEN_LENGTH - 1 }),
        fc.constantFrom(...B64URL),
        (at, c) => {
          fc.pre(token[at] !== c)
          const altered = token.slice(0, at) + c + token.slice(at + 1)
          expect(verifyToken(altered, secret)).toBe(false)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('refuses valid tokens with padding, whitespace or extra characters around them', () => {
    const token = maskToken(secret)
    for (const v of [`${token}=`, ` ${token}`, `${token}\n`, `${token}A`, token.slice(1)]) {
      expect(verifyToken(v, secret)).toBe(false)
    }
  })

  it('refuses non-canonical spellings that differ only in the spare bits of the last character', () => {
    const token = maskToken(secret)
    const head = token.slice(0, -1)
    for (const c of B64URL) {
      if (c === token.at(-1)) continue
      expect(verifyToken(head + c, secret)).toBe(false)
    }
  })

  it('accepts exactly the canonical base64url spellings (the Node codec as the oracle)', () => {
    const shaped = fc
      .array(fc.constantFrom(...B64URL, '+', '/', '='), {
        minLength: CSRF_TOKEN_LENGTH,
        maxLength: CSRF_TOKEN_LENGTH,
      })
      .map((cs) => cs.join(''))
    fc.assert(
      fc.property(shaped, (s) => {
        const raw = Buffer.from(s, 'base64url')
        const canonical = raw.length === 64 && raw.toString('base64url') === s
        expect(unmaskToken(s) !== null).toBe(canonical)
      }),
      { numRuns: 3000 },
    )
    // Random strings are almost never canonical: check the accepting side on real maskings.
    for (let i = 0; i < 200; i++) expect(unmaskToken(maskToken(randomBytes(32)))).not.toBeNull()
  })

  it('verifies exactly when the unmasked bytes equal the secret (timingSafeEqual as the oracle)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.boolean(),
        (a, b, same) => {
          const token = maskToken(a)
          const secret = same ? a : b
          const raw = unmaskToken(token)!
          expect(verifyToken(token, secret)).toBe(timingSafeEqual(raw, secret))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('round-trips: every masking unmasks to the secret, and no two maskings are equal', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const a = maskToken(bytes)
        const b = maskToken(bytes)
        expect(a).toHaveLength(CSRF_TOKEN_LENGTH)
        expect(a).not.toBe(b)
        expect(unmaskToken(a)).toEqual(Buffer.from(bytes))
        expect(verifyToken(a, bytes)).toBe(true)
        expect(verifyToken(b, bytes)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('never verifies against another secret or against no secret', () => {
    const token = maskToken(secret)
    expect(verifyToken(token, randomBytes(32))).toBe(false)
    expect(verifyToken(token, null)).toBe(false)
    expect(verifyToken(token, Buffer.alloc(0))).toBe(false)
    expect(verifyToken(token, secret.subarray(0, 31))).toBe(false)
  })

  it('refuses to mask a secret of the wrong size', () => {
    expect(() => maskToken(randomBytes(16))).toThrow(RangeError)
  })
})

import { describe, expect, it } from 'vitest'
import { TesseraError } from '../core/errors.js'
import { assertKnownKeys, closest, optionKeys, refuseTinyDuration } from './strict.js'

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return null
}

describe('strict options', () => {
  it('suggests the closest known key, case-insensitively or within two edits', () => {
    expect(closest('plugin', ['plugins', 'trustProxy'])).toBe('plugins')
    expect(closest('TRUSTPROXY', ['plugins', 'trustProxy'])).toBe('trustProxy')
    expect(closest('somethingElse', ['plugins', 'trustProxy'])).toBeNull()
  })

  it('throws ERR_CONFIG naming the call, the key and the suggestion', () => {
    const error = thrown(() => assertKnownKeys({ plugin: [] }, ['plugins'], 'expressSessions'))
    expect(error).toBeInstanceOf(TesseraError)
    expect((error as TesseraError).code).toBe('ERR_CONFIG')
    expect((error as Error).message).toMatch(
      /expressSessions: unknown option "plugin": did you mean "plugins"/,
    )
  })

  it('lists the known options when nothing is close', () => {
    expect(thrown(() => assertKnownKeys({ zzzzzz: 1 }, ['ab', 'cd'], 'f()'))).toMatchObject({
      message: expect.stringMatching(/known options: ab, cd/),
    })
  })

  it('answers express-session habits with the migration hint', () => {
    expect(thrown(() => assertKnownKeys({ resave: false }, ['store'], 'x'))).toMatchObject({
      message: expect.stringMatching(/writes only the keys a request changed/),
    })
  })

  it('accepts known keys and a missing options object', () => {
    expect(thrown(() => assertKnownKeys({ a: 1 }, ['a', 'b'], 'x'))).toBeNull()
    expect(thrown(() => assertKnownKeys(undefined, ['a'], 'x'))).toBeNull()
  })

  it('lists the keys of an options type once', () => {
    expect(optionKeys<{ a?: number; b: string }>({ a: true, b: true })).toEqual(['a', 'b'])
  })

  it('refuses a duration written as a small number, with a hint to write its unit', () => {
    expect(thrown(() => refuseTinyDuration(3600, 'ttl', 60_000))).toMatchObject({
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/ttl: 3600 is 3600 milliseconds.*'30m'/),
    })
    expect(thrown(() => refuseTinyDuration(5, 'leeway', 1000))).toMatchObject({
      message: expect.stringMatching(/'5s'/),
    })
  })

  it('accepts zero, large numbers and strings with a unit', () => {
    for (const value of [0, 60_000, '30m', undefined])
      expect(thrown(() => refuseTinyDuration(value, 'ttl', 60_000))).toBeNull()
  })
})

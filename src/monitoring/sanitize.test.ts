import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../core/events.js'
import { cleanEvent, cleanText, MAX_FIELD_LENGTH } from './sanitize.js'

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

describe('cleanText', () => {
  it('turns CR, LF, other C0, DEL, C1 and U+2028/2029 into visible escapes', () => {
    expect(cleanText('a\r\nb')).toBe('a\\x0d\\x0ab')
    expect(cleanText('\u0000\u001b[31m\u007f')).toBe('\\x00\\x1b[31m\\x7f')
    expect(cleanText('x\u0085y\u009f')).toBe('x\\x85y\\x9f')
    expect(cleanText('p\u2028q\u2029r')).toBe('p\\u2028q\\u2029r')
  })

  it('leaves ordinary text, including non-Latin letters and emoji, untouched', () => {
    for (const s of ['alice', 'Mozilla/5.0 (X11)', 'Zoë – 東京 🎉', '"quoted" \\ back'])
      expect(cleanText(s)).toBe(s)
  })

  it('cuts values longer than the field limit', () => {
    const out = cleanText('x'.repeat(MAX_FIELD_LENGTH + 50))
    expect(out).toBe(`${'x'.repeat(MAX_FIELD_LENGTH)}…`)
  })

  it('never lets a control character through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(CONTROL.test(cleanText(s))).toBe(false)
      }),
    )
  })
})

describe('cleanEvent', () => {
  const base: SessionEvent = {
    type: 'authn_login_fail',
    level: 'warn',
    time: '2026-01-01T00:00:00.000Z',
    userId: 'bob',
    handle: null,
    ip: '198.51.100.1',
    userAgent: 'curl/8',
    reason: 'bad_credentials',
  }

  it('returns the same object when nothing needs cleaning (no allocation on the common path)', () => {
    expect(cleanEvent(base)).toBe(base)
  })

  it('cleans every text field and keeps the rest', () => {
    const dirty = { ...base, userId: 'bob\n', userAgent: 'ua\r', reason: 'r\u2028', ip: 'i\u0000' }
    expect(cleanEvent(dirty)).toEqual({
      ...base,
      userId: 'bob\\x0a',
      userAgent: 'ua\\x0d',
      reason: 'r\\u2028',
      ip: 'i\\x00',
    })
  })
})

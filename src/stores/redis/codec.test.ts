import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SessionRecord } from '../../core/record.js'
import { decodeRecord, encodePatch, encodeRecord, redisKeys } from './codec.js'

const instant = fc.integer({ min: 0, max: 4_102_444_800_000 })
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)
const record: fc.Arbitrary<SessionRecord> = fc.record({
  id: fc.base64String({ minLength: 4, maxLength: 44 }).map((s) => s.replace(/[+/=]/g, 'x')),
  handle: fc.constant('h'),
  userId: fc.option(fc.string(), { nil: null }),
  data: fc.dictionary(fc.string(), jsonValue),
  createdAt: instant,
  lastSeenAt: instant,
  renewedAt: instant,
  authenticatedAt: fc.option(instant, { nil: null }),
  idleExpiresAt: instant,
  absoluteExpiresAt: instant,
  meta: fc.record(
    { ip: fc.string(), userAgent: fc.string(), authMethod: fc.string() },
    { requiredKeys: [] },
  ),
})

describe('the Redis record codec', () => {
  it('round-trips any record, including hostile data keys such as __proto__', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRecord(r.id, encodeRecord(r))).toEqual(r)
      }),
    )
    // JSON.parse makes "__proto__" an own key, as untrusted input would.
    const data = JSON.parse('{"__proto__":1,"constructor":2,"d:x":3,"$h":4,"":5}')
    const r = decodeRecord('id', encodeRecord({ ...sample(), data }))
    expect(Object.keys(data)).toContain('__proto__')
    expect(Object.keys(r!.data).sort()).toEqual(Object.keys(data).sort())
    expect(Object.getPrototypeOf(r!.data)).toBe(Object.prototype)
  })

  it('reads an empty reply as no session', () => {
    expect(decodeRecord('id', [])).toBeNull()
  })

  it('encodes a patch as counted sets, counted unsets and the idle deadline', () => {
    expect(
      encodePatch({
        set: { theme: 'dark', gone: undefined },
        unset: ['cart'],
        lastSeenAt: 5,
        idleExpiresAt: 9,
        meta: { ip: '192.0.2.1', userAgent: undefined },
      }),
    ).toEqual([
      '4',
      'd:theme',
      '"dark"',
      '$l',
      '5',
      '$i',
      '9',
      'm:ip',
      '"192.0.2.1"',
      '3',
      'd:gone',
      'd:cart',
      'm:userAgent',
      '9',
    ])
    expect(encodePatch({})).toEqual(['0', '0', ''])
  })

  it('keeps every key of one user in one hash slot, whatever the user id', () => {
    fc.assert(
      fc.property(fc.string(), (userId) => {
        const { activity, deadlines } = redisKeys('p:').user(userId)
        const tag = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}'))
        expect(tag(activity)).toBe(tag(deadlines))
        // Never empty: Redis hashes the whole key when the tag is `{}`.
        expect(tag(activity)).toMatch(/^u[0-9a-f]*$/)
      }),
    )
    expect(redisKeys('p:').user('').activity).toBe('p:u:{u}')
  })
})

function sample(): SessionRecord {
  return {
    id: 'id',
    handle: 'h',
    userId: 'u',
    data: {},
    createdAt: 1,
    lastSeenAt: 2,
    renewedAt: 3,
    authenticatedAt: null,
    idleExpiresAt: 4,
    absoluteExpiresAt: 5,
    meta: {},
  }
}

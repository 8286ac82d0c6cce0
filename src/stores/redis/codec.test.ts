import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SessionRecord } from '../../core/record.js'
import {
  decodeRecord,
  encodeHeader,
  encodePatch,
  encodeRecord,
  handleOf,
  mergeMeta,
  metaTextOf,
  redisKeys,
} from './codec.js'
import { decodeTombstone, encodeTombstone } from './tombstone.js'

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
  version: fc.integer({ min: 0, max: 2 ** 40 }),
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

  it('keeps everything but per-key data in one field, and data in one field per key', () => {
    const r = { ...sample(), data: { a: 1, b: 'x' }, meta: { ip: '192.0.2.1' } }
    expect(encodeRecord(r)).toEqual([
      '$',
      '[1,2,3,null,4,5,"h",{"ip":"192.0.2.1"}]',
      '$v',
      '1',
      '$u',
      'u',
      'd:a',
      '1',
      'd:b',
      '"x"',
    ])
    expect(encodeRecord({ ...r, userId: null, data: {} })).toHaveLength(4)
  })

  it('keeps the version in its own integer field, and reads a hash without one as version 0', () => {
    const r = { ...sample(), version: 41 }
    expect(decodeRecord('id', encodeRecord(r))?.version).toBe(41)
    // Written before versions existed: HINCRBY counts up from 0, and so does the record.
    const legacy = encodeRecord(r).filter((_, i, all) => all[i - (i % 2)] !== '$v')
    expect(legacy).not.toContain('$v')
    expect(decodeRecord('id', legacy)).toEqual({ ...r, version: 0 })
    // Anything HINCRBY would not accept is a hash this codec did not write.
    for (const bad of ['', 'x', '1.5', '1e3', ' 1', '0x1', '1234567890123456'])
      expect(decodeRecord('id', [...legacy, '$v', bad])).toBeNull()
    expect(decodeRecord('id', [...legacy, '$v', '-3'])?.version).toBe(-3)
  })

  it('reads a hash it did not write as no session, never as an exception', () => {
    const good = encodeRecord(sample())
    const header = (h: string) => decodeRecord('id', ['$', h, '$u', 'u'])
    for (const bad of [
      '',
      'not json',
      '{}',
      '[]',
      '[1,2,3,null,4,5,"h"]',
      '[1,2,3,null,4,5,"h",{},9]',
      '["1",2,3,null,4,5,"h",{}]',
      '[1,2,3,"x",4,5,"h",{}]',
      '[1,2,3,null,4,5,7,{}]',
      '[1,2,3,null,4,5,"h",null]',
      '[1,2,3,null,4,5,"h",[]]',
      '[1,2,3,null,4,5,"h",{}',
    ])
      expect(header(bad)).toBeNull()
    // No header at all (the layout before the packed field), or a data field that is not JSON.
    expect(decodeRecord('id', ['$h', 'h', '$c', '1', 'd:a', '1'])).toBeNull()
    expect(decodeRecord('id', [...good, 'd:a', '{oops'])).toBeNull()
    fc.assert(
      fc.property(fc.string(), fc.string(), (h, d) => {
        expect(() => decodeRecord('id', ['$', h, 'd:x', d])).not.toThrow()
      }),
    )
    // Fields of no known kind are ignored.
    expect(decodeRecord('id', [...good, 'x:y', 'z'])).toEqual(sample())
  })

  it('writes a tombstone for a signed-in session only, and reads it back as that session, expired and empty', () => {
    fc.assert(
      fc.property(record, (r) => {
        const text = encodeTombstone(r)
        if (r.userId === null) expect(text).toBe('')
        else
          expect(decodeTombstone(r.id, text)).toEqual({
            ...r,
            data: {},
            meta: {},
            version: 0,
            idleExpiresAt: Math.min(r.lastSeenAt, r.idleExpiresAt),
          })
      }),
    )
    // Its owner may be any text, newlines included: only the first newline separates.
    const r = { ...sample(), userId: 'a\nb {c}' }
    expect(decodeTombstone('id', encodeTombstone(r))?.userId).toBe('a\nb {c}')
  })

  it('reads a tombstone it did not write as nothing', () => {
    for (const bad of [
      null,
      7,
      '',
      'u',
      '[1,2,3,null,4,5,"h"]',
      'x\nu',
      '[1,2,3,null,4,5]\nu',
      '[1,2,3,null,4,5,7]\nu',
      '[1,2,3,"x",4,5,"h"]\nu',
      '[1,2,3,null,4,5,"h",{}]\nu',
      '{}\nu',
    ])
      expect(decodeTombstone('id', bad)).toBeNull()
  })

  it('finds the handle and the meta text where the Lua scripts find them', () => {
    const h = encodeHeader({ ...sample(), handle: 'Kw7N-_x', meta: { ip: '[1,"2"]' } })
    expect(handleOf(h)).toBe('Kw7N-_x')
    expect(metaTextOf(h)).toBe('{"ip":"[1,\\"2\\"]"}')
    for (const bad of [undefined, null, 7, '', '[1,2', '[1,2]']) {
      expect(metaTextOf(bad)).toBeNull()
      expect(handleOf(bad)).toBeNull()
    }
  })

  it('merges a meta patch losslessly; undefined removes a key; __proto__ stays an own key', () => {
    expect(mergeMeta('{"ip":"a","kind":"cookie"}', { ip: 'b', kind: undefined })).toBe('{"ip":"b"}')
    const merged = mergeMeta('{}', JSON.parse('{"__proto__":{"x":1}}'))
    expect(merged).toBe('{"__proto__":{"x":1}}')
    expect(mergeMeta('[]', { ip: 'a' })).toBeNull()
    expect(mergeMeta('{oops', { ip: 'a' })).toBeNull()
  })

  it('encodes a patch as counted sets, counted unsets, the instants, the meta pair and the version', () => {
    expect(
      encodePatch(
        {
          set: { theme: 'dark', gone: undefined },
          unset: ['cart'],
          lastSeenAt: 5,
          idleExpiresAt: 9,
          authenticatedAt: 7,
          meta: { ip: '192.0.2.1' },
        },
        '{}',
        '{"ip":"192.0.2.1"}',
      ),
    ).toEqual([
      '1',
      'd:theme',
      '"dark"',
      '2',
      'd:gone',
      'd:cart',
      '5',
      '9',
      '7',
      '{}',
      '{"ip":"192.0.2.1"}',
      '',
    ])
    expect(encodePatch({})).toEqual(['0', '0', '', '', '', '', '', ''])
    expect(encodePatch({ expectVersion: 3 }).at(-1)).toBe('3')
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
    version: 1,
  }
}

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OldestKey } from './oldest-key.js'

type Op = { kind: 'set' | 'touch' | 'delete'; key: number } | { kind: 'clear' }

const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(60) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('touch' as const), key: fc.nat(60) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(60) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  ),
  { maxLength: 400 },
)

/** Runs the same bounded cache with `evict` choosing the victim; returns its keys in order. */
function replay(list: Op[], max: number, evict: (map: Map<number, number>) => number | undefined) {
  const map = new Map<number, number>()
  const evicted: number[] = []
  for (const op of list) {
    if (op.kind === 'clear') map.clear()
    else if (op.kind === 'delete') map.delete(op.key)
    else if (op.kind === 'touch') {
      // An LRU read: re-inserting moves the key to the young end.
      if (map.delete(op.key)) map.set(op.key, op.key)
    } else if (!map.has(op.key)) {
      if (map.size >= max) {
        const victim = evict(map)
        evicted.push(victim!)
        map.delete(victim!)
      }
      map.set(op.key, op.key)
    }
  }
  return { keys: [...map.keys()], evicted }
}

describe('OldestKey', () => {
  it('evicts exactly what a fresh keys().next() would, through deletes, re-inserts and clear', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 20 }), (list, max) => {
        const oracle = replay(list, max, (map) => map.keys().next().value)
        let cursor: OldestKey<number> | undefined
        const fast = replay(list, max, (map) => {
          cursor ??= new OldestKey(map)
          return cursor.next()
        })
        expect(fast).toEqual(oracle)
      }),
      { numRuns: 500 },
    )
  })

  it('answers undefined for an empty map, and keys added after it ran dry', () => {
    const map = new Map<string, number>()
    const cursor = new OldestKey(map)
    expect(cursor.next()).toBeUndefined()
    map.set('a', 1)
    expect(cursor.next()).toBe('a')
    map.delete('a')
    expect(cursor.next()).toBeUndefined()
    map.set('b', 2).set('c', 3)
    expect(cursor.next()).toBe('b')
  })
})

// Session data is stored as JSON on every store. A value JSON cannot carry faithfully (a
// function, a BigInt, a cycle, a Date, NaN) would fail later as a store error, or come back
// changed, so `session.set` refuses it at once, the same way on every store.
import { TesseraError } from '../core/errors.js'

function problem(value: unknown, path: string, seen: Set<object>): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}, which JSON turns into null`
    case 'object': {
      if (value === null) return null
      if (seen.has(value)) return `${path} refers back to itself (a cycle)`
      const proto = Object.getPrototypeOf(value)
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
        return `${path} is a ${name}, not a plain object (store a plain value, e.g. a Date as toISOString())`
      }
      seen.add(value)
      for (const [k, v] of Object.entries(value)) {
        const found = problem(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, seen)
        if (found) return found
      }
      seen.delete(value)
      return null
    }
    default:
      return `${path} is a ${typeof value}, which JSON cannot store`
  }
}

/**
 * Throws `ERR_INVALID_VALUE` unless `value` survives a JSON round trip unchanged.
 *
 * @example
 * assertJsonValue('cart', ['book']) // fine
 * assertJsonValue('n', 1n) // throws: BigInt
 */
export function assertJsonValue(key: string, value: unknown): void {
  const found = problem(value, `session value "${key}"`, new Set())
  if (found) throw new TesseraError('ERR_INVALID_VALUE', found)
}

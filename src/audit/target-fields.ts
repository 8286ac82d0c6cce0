// Field readers for the audit target: each names the key it read in its error, so a bad
// target says exactly which key to fix.
import { parseDuration } from '../core/duration.js'
import { TesseraError } from '../core/errors.js'
import { assertKnownKeys } from '../internal/strict.js'
import type { Endpoint } from './target.js'

/** A parsed, not yet validated, object. */
export type Raw = Record<string, unknown>

/** Throws `ERR_CONFIG` naming the key path `where`. */
export function fail(where: string, message: string): never {
  throw new TesseraError('ERR_CONFIG', `audit target: ${where}: ${message}`)
}

/** Checks that `raw` is an object with only `known` keys (did-you-mean on a typo). */
export function section(raw: unknown, where: string, known: readonly string[]): Raw {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(where, 'must be an object')
  try {
    assertKnownKeys(raw, known, where)
  } catch (error) {
    fail(where, (error as Error).message.replace(/^Tessera configuration: [^:]*: /, ''))
  }
  return raw as Raw
}

/** A required non-empty string (or `fallback`). */
export function text(o: Raw, key: string, where: string, fallback?: string): string {
  const v = o[key] ?? fallback
  if (typeof v !== 'string' || v === '') fail(`${where}.${key}`, 'must be a non-empty string')
  return v
}

/** A path on the target: starts with one slash (never another host). */
export function path(o: Raw, key: string, where: string, fallback?: string): string {
  const v = text(o, key, where, fallback)
  if (!v.startsWith('/') || v.startsWith('//'))
    fail(`${where}.${key}`, `must be a path on the target starting with one "/" (got ${v})`)
  return v
}

/** An endpoint given as a path string or `{ method, path }`; the method must change state. */
export function endpoint(raw: unknown, where: string, method: string): Endpoint {
  if (typeof raw === 'string') return { method, path: path({ p: raw }, 'p', where) }
  const o = section(raw, where, ['method', 'path'])
  const m = text(o, 'method', where, method).toUpperCase()
  if (!['POST', 'DELETE', 'PUT', 'PATCH'].includes(m))
    fail(`${where}.method`, 'must be POST, DELETE, PUT or PATCH (a state change)')
  return { method: m, path: path(o, 'path', where) }
}

/** An optional duration such as `2s` or `30m`, in milliseconds. */
export function duration(o: Raw, key: string, where: string): number | null {
  const v = o[key]
  if (v === undefined) return null
  if (typeof v !== 'string') fail(`${where}.${key}`, 'must be a duration such as 2s or 30m')
  try {
    return parseDuration(v, `${where}.${key}`)
  } catch (error) {
    fail(`${where}.${key}`, (error as Error).message.replace(/^Tessera configuration: /, ''))
  }
}

/** `build(raw)`, or null when the section is absent. */
export function optional<T>(raw: unknown, build: (v: unknown) => T): T | null {
  return raw === undefined || raw === null ? null : build(raw)
}

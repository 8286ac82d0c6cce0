// Strict options: an unknown key is almost always a typo (`plugin` for `plugins`, `idleTimout`)
// or a habit from another library (`secret`, `resave`), and ignoring it silently can switch a
// defence off. So every options object is checked against its known keys at construction.
import { TesseraError } from '../core/errors.js'
import { assertJsonValue } from './json-value.js'

/** Options of other session libraries, with what to write instead (shown in the error). */
const MIGRATION: Readonly<Record<string, string>> = {
  secret:
    'Tessera needs no cookie secret: tokens are 256 random bits and the store keeps only their hash. Remove it',
  resave: 'Tessera writes only the keys a request changed. Remove it',
  saveUninitialized:
    'Tessera creates a session on the first session.set() (or session.ensure()). Remove it',
  rolling: 'activity extends the idle deadline by itself (see touchInterval). Remove it',
  genid: 'token generation is not configurable (256-bit CSPRNG). Remove it',
  name: "write cookie: { name: '…' }",
  maxAge: "write absoluteTimeout: '12h' (and regenerate({ persistent: true }) for remember-me)",
  expires: "write absoluteTimeout: '12h'",
  proxy: 'trusted proxies are an adapter option: trustProxy',
  unset: 'session.delete(key) removes a key; session.destroy() ends the session',
}

/** Levenshtein distance, capped: options are short words. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]!
}

/**
 * The known key closest to `key` (case-insensitive, or within two edits), for "did you mean".
 *
 * @example
 * closest('plugin', ['plugins', 'trustProxy']) // 'plugins'
 */
export function closest(key: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = 3
  for (const k of known) {
    if (k.toLowerCase() === key.toLowerCase()) return k
    const d = distance(key, k)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

/**
 * Throws `ERR_CONFIG` when `options` has a key not in `known`, with "did you mean" or a
 * migration hint (express-session habits; `migration: false` where they would mislead, as
 * for a token key whose `secret` is not a cookie secret). `where` names the call
 * (`createSessions`, `csrf()`, …).
 *
 * @example
 * assertKnownKeys(options, ['store', 'idleTimeout'], 'createSessions')
 */
export function assertKnownKeys(
  options: object | undefined,
  known: readonly string[],
  where: string,
  migration = true,
): void {
  if (options === undefined || options === null) return
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const guess = closest(key, known)
    const hint =
      (migration ? MIGRATION[key] : undefined) ??
      (guess ? `did you mean "${guess}"?` : `known options: ${known.join(', ')}`)
    throw new TesseraError(
      'ERR_CONFIG',
      `Tessera configuration: ${where}: unknown option "${key}": ${hint}`,
    )
  }
}

/**
 * The keys of an options type, listed once as `{ key: true }`: the compiler refuses a list that
 * misses a key of `T` or names one `T` lacks, so the runtime check cannot drift from the type.
 *
 * @example
 * const KEYS = optionKeys<{ a?: number; b: string }>({ a: true, b: true }) // ['a', 'b']
 */
export function optionKeys<T extends object>(keys: { readonly [K in keyof T]-?: true }): string[] {
  return Object.keys(keys)
}

/**
 * Refuses a duration written as a small number: numbers are milliseconds, so `ttl: 3600` (an
 * hour in seconds) would be 3.6 s. Zero and strings with a unit pass; `minMs` is the smallest
 * plausible value of the option (60 s for timeouts, 1 s for leeways and windows).
 *
 * @example
 * refuseTinyDuration(options.ttl, 'csrf.preLogin.ttl', 60_000)
 */
export function refuseTinyDuration(value: unknown, name: string, minMs: number): void {
  if (typeof value !== 'number' || !(value > 0 && value < minMs)) return
  throw new TesseraError(
    'ERR_CONFIG',
    `Tessera configuration: ${name}: ${value} is ${value} milliseconds; numbers are milliseconds, so write a string with its unit instead ('${minMs >= 60_000 ? '30m' : '5s'}')`,
  )
}

const REGENERATE_KEYS = ['userId', 'keepData', 'authenticated', 'persistent', 'meta', 'carry']

/**
 * Throws a TypeError when a callback is passed where a promise is returned: express-session's
 * callback style would hang the request, since nothing ever calls the callback.
 *
 * @example
 * refuseCallback(options, 'destroy')
 */
export function refuseCallback(arg: unknown, method: string): void {
  if (typeof arg === 'function')
    throw new TypeError(
      `session.${method}() takes no callback: it returns a promise. Write \`await req.session.${method}()\``,
    )
}

/**
 * Checks the argument of `session.regenerate()`: no callback, no unknown option.
 *
 * @example
 * checkRegenerateOptions({ userId: 'u1', authenticated: true })
 */
export function checkRegenerateOptions(options: object): void {
  refuseCallback(options, 'regenerate')
  refuseNonObject(options, 'regenerate')
  assertKnownKeys(options, REGENERATE_KEYS, 'session.regenerate')
  const { userId, meta } = options as { userId?: unknown; meta?: unknown }
  // A number (an SQL serial) would be stored as is, and revokeUser(String(id)) or
  // revoke(handle, { owner }) would then find none of that user's sessions.
  if (userId !== undefined && userId !== null && (typeof userId !== 'string' || userId === ''))
    throw new TypeError(
      'session.regenerate: userId must be a non-empty string (or null to sign out): write String(user.id)',
    )
  // Stores serialise meta with the record: a value JSON cannot carry would surface as a store
  // outage there (and pass on the memory store), so it is refused here, on every store.
  if (meta !== undefined) assertJsonValue('meta', meta)
}

/**
 * Checks the argument of `session.destroy()`: no callback, an object or nothing.
 *
 * @example
 * checkDestroyOptions({ reason: 'user' })
 */
export function checkDestroyOptions(options: unknown): void {
  refuseCallback(options, 'destroy')
  refuseNonObject(options, 'destroy')
}

function refuseNonObject(options: unknown, method: string): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`session.${method}(options): options must be an object, or left out`)
}

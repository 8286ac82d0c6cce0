// The start-up check of the network stores. A wrong port or host otherwise shows only as 503s
// once traffic arrives, each after the command timeout and without saying where the store was
// looking. `await store.ready()` at boot fails at once with the address and the driver's reason.
import { TesseraError } from '../core/errors.js'

/**
 * Where a store connects, for messages: scheme, host, port and path of `url`, never its user,
 * password or query (which may carry credentials).
 *
 * @example
 * storeAddress('redis://:secret@127.0.0.1:6390/0') // 'redis://127.0.0.1:6390/0'
 */
export function storeAddress(url: string, defaultPort: number): string {
  try {
    const u = new URL(url)
    const path = u.pathname === '/' ? '' : u.pathname
    return `${u.protocol}//${u.hostname}:${u.port || defaultPort}${path}`
  } catch {
    return 'an unparsable URL'
  }
}

/**
 * The error of a failed start-up check: `ERR_STORE_UNAVAILABLE` naming the backend, the address
 * and the driver's reason (the first connection error seen, when there was one).
 *
 * @example
 * throw unreachable('Redis', 'redis://127.0.0.1:6390', cause)
 */
export function unreachable(backend: string, address: string, cause: unknown): TesseraError {
  const reason = innermost(cause)
  return new TesseraError(
    'ERR_STORE_UNAVAILABLE',
    `cannot reach ${backend} at ${address}${reason ? ` (${reason})` : ''}: is it running, and is the address right?`,
    { cause },
  )
}

// Tessera wraps driver errors; the message worth showing is the driver's own, at the bottom.
function innermost(error: unknown): string {
  let e = error
  for (let i = 0; i < 5 && e instanceof Error && e.cause !== undefined; i++) e = e.cause
  if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0]
  return e instanceof Error ? e.message : e === undefined ? '' : String(e)
}

/**
 * Remembers the first connection error a client reports (node-redis emits them while it keeps
 * retrying), passing every error on to `onError`.
 *
 * @example
 * const seen = firstError(options.onError)
 * standaloneConn({ ...options, onError: seen.onError })
 */
export function firstError(onError: ((error: unknown) => void) | undefined): {
  onError: (error: unknown) => void
  readonly error: unknown
} {
  let first: unknown
  return {
    onError: (error) => {
      first ??= error
      onError?.(error)
    },
    get error() {
      return first
    },
  }
}

/** A store with its start-up check and its address. */
export type ReadyStore<S> = S & {
  /** Connects and checks the backend; rejects with `ERR_STORE_UNAVAILABLE` naming the address. */
  ready(): Promise<void>
  /** Where the store connects (no credentials), for diagnostics. */
  readonly address: string
}

/**
 * Adds `ready()` and `address` to a store: `ready()` runs `ping` (which connects and, for
 * PostgreSQL, migrates) and turns a failure into {@link unreachable}.
 *
 * @example
 * return withReadiness(store, 'Redis', address, () => seen.error)
 */
export function withReadiness<S extends { ping(): Promise<void> }>(
  store: S,
  backend: string,
  address: string,
  seen: () => unknown = () => undefined,
): ReadyStore<S> {
  return Object.assign(store, {
    address,
    async ready() {
      try {
        await store.ping()
      } catch (error) {
        throw unreachable(backend, address, seen() ?? error)
      }
    },
  })
}

/**
 * The address of a PostgreSQL store: its connection string's, else the pool's settings.
 *
 * @example
 * pgAddress({ connectionString: 'postgres://u:pw@db:5432/app' }, pool) // 'postgres://db:5432/app'
 */
export function pgAddress(
  options: { connectionString?: string | undefined },
  pool: {
    options?: { connectionString?: string; host?: string; port?: number; database?: string }
  },
): string {
  const cs = options.connectionString ?? pool.options?.connectionString
  if (cs) return storeAddress(cs, 5432)
  const o = pool.options ?? {}
  return `postgres://${o.host ?? 'localhost'}:${o.port ?? 5432}/${o.database ?? ''}`
}

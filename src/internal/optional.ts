import { createRequire } from 'node:module'
import { TesseraError } from '../core/errors.js'

/** The drivers Tessera can use; each is an optional peer dependency of the package. */
export type OptionalPackage =
  | 'better-sqlite3'
  | 'jose'
  | 'pg'
  | 'pino'
  | 'prom-client'
  | 'redis'
  | 'yaml'

// `require` rather than `import()`: stores and sinks are built synchronously at start-up, and a
// top-level `await import()` would stop CommonJS users from `require()`-ing the package. On the
// Node versions the package supports, `require` loads ESM-only drivers (jose) as well.
const load = createRequire(import.meta.url)

/** True when `error` says the package itself is missing (not something it depends on). */
function isMissing(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null
  return (
    e?.code === 'MODULE_NOT_FOUND' &&
    typeof e.message === 'string' &&
    e.message.includes(`'${name}'`)
  )
}

/**
 * Loads an optional driver now. Without it, throws `ERR_CONFIG` naming the package to install
 * and the feature that needs it, instead of Node's bare "Cannot find module".
 *
 * @example
 * const pg = requireOptional<typeof import('pg')>('pg', 'postgresStore')
 */
export function requireOptional<T>(name: OptionalPackage, feature: string): T {
  try {
    return load(name) as T
  } catch (error) {
    if (!isMissing(error, name)) throw error
    throw new TesseraError(
      'ERR_CONFIG',
      `${feature} needs the package "${name}", an optional peer dependency of tessera-session: npm i ${name}`,
      { cause: error },
    )
  }
}

/**
 * A loader for an optional driver that is used later, not when the module is imported: the
 * first call loads it (or throws `ERR_CONFIG`, see {@link requireOptional}); later calls return
 * the same module. Keeps `tessera-session/monitoring` free of the drivers its backends use.
 *
 * @example
 * const sqlite = lazyOptional<typeof import('better-sqlite3')>('better-sqlite3', 'sqliteAudit')
 * const db = new (sqlite())(':memory:')
 */
export function lazyOptional<T>(name: OptionalPackage, feature: string): () => T {
  let loaded: T | undefined
  return () => {
    loaded ??= requireOptional<T>(name, feature)
    return loaded
  }
}

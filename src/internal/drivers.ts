// The database handles users pass to Tessera (a pg pool, a better-sqlite3 database), declared
// by shape. Public type files then name no driver module: a consumer type-checks without
// `pg`, `better-sqlite3` or their `@types/*` installed. Inside, each module casts the handle to
// the driver's own type, which it only imports as a type (erased at run time).

/**
 * A pg `Pool` (`new pg.Pool({ connectionString })`), as far as Tessera's types need to know.
 *
 * @example
 * const pool: PgPoolLike = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 */
export interface PgPoolLike {
  query(...args: never[]): unknown
  connect(...args: never[]): unknown
}

/**
 * A pg client (`await pool.connect()`, `new pg.Client()`), as far as Tessera's types need to know.
 *
 * @example
 * await migratePg(await pool.connect() satisfies PgClientLike, tables, prefix)
 */
export interface PgClientLike {
  query(...args: never[]): unknown
}

/**
 * A better-sqlite3 `Database` (`new Database(path)`), as far as Tessera's types need to know.
 *
 * @example
 * const db: SqliteDatabaseLike = new Database('data/tessera.db')
 */
export interface SqliteDatabaseLike {
  prepare(...args: never[]): unknown
  exec(...args: never[]): unknown
}

/**
 * True when `value` has the methods a pg pool has (a pool from another copy of `pg` passes,
 * where `instanceof` would not).
 *
 * @example
 * isPgPool(new pg.Pool()) // true
 */
export function isPgPool(value: unknown): value is PgPoolLike {
  const v = value as Partial<Record<string, unknown>> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.query === 'function' &&
    typeof v.connect === 'function'
  )
}

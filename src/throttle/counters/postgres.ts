import type pg from 'pg'
import { configAssert, storeUnavailable } from '../../core/errors.js'
import { BACKOFF_MAX_SHIFT, type Budget } from '../budget.js'
import type { AttemptCounters, TakeResult } from '../counters.js'
import { refusal, SWEEP_EVERY_MS, sqlTableName } from './sql.js'
import { assertKnownKeys } from '../../internal/strict.js'
import type { PgPoolLike } from '../../internal/drivers.js'

/** Options of {@link postgresCounters}. */
export interface PostgresCountersOptions {
  /** Table for the counters (created if missing, in the pool's search path). Default `tessera_throttle`. */
  table?: string
}

/**
 * Attempt counters in PostgreSQL, shared by every app process on the database. Give it the
 * `pg.Pool` your session store uses (or another on the same database). Each try is one
 * conditional `INSERT … ON CONFLICT DO UPDATE … WHERE`, atomic under the row lock. The pool
 * stays yours to end.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const throttle = loginThrottle({ counters: postgresCounters(pool), deviceCookie: { secret } })
 */
export function postgresCounters(
  given: PgPoolLike,
  options: PostgresCountersOptions = {},
): AttemptCounters {
  const pool = given as pg.Pool
  configAssert(
    pool !== null && typeof pool === 'object' && typeof pool.query === 'function',
    'postgresCounters needs a pg.Pool (new pg.Pool({ connectionString }))',
  )
  assertKnownKeys(options, ['table'], 'postgresCounters()')
  const t = sqlTableName(options.table, 'postgresCounters')
  let ready: Promise<unknown> | null = null
  const migrate = () => {
    ready ??= pool
      .query(
        // The advisory lock serialises processes migrating at once (CREATE … IF NOT EXISTS
        // alone can still collide on the catalog); the whole string is one transaction.
        `SELECT pg_advisory_xact_lock(hashtext('${t}'));
         CREATE TABLE IF NOT EXISTS ${t} (key text PRIMARY KEY, count bigint NOT NULL,
         last_at bigint NOT NULL, expires_at bigint NOT NULL);
         CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at)`,
      )
      .catch((error: unknown) => {
        ready = null
        throw error
      })
    return ready
  }
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => {
    try {
      await migrate()
      return (await pool.query<R>(text, values)).rows
    } catch (error) {
      throw storeUnavailable(error)
    }
  }
  let sweptAt = 0
  // $1 key, $2 now, $3 window, $4 free tries, $5 base wait, $6 longest wait.
  const TAKE = `INSERT INTO ${t} AS c (key, count, last_at, expires_at)
    VALUES ($1, 1, $2::bigint, $2::bigint + $3::bigint)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN c.expires_at <= $2::bigint THEN 1 ELSE c.count + 1 END,
      last_at = $2::bigint, expires_at = $2::bigint + $3::bigint
    WHERE c.expires_at <= $2::bigint OR c.count < $4::bigint
      OR $2::bigint >= c.last_at + LEAST($6::bigint,
        $5::bigint << LEAST(c.count - $4::bigint, ${BACKOFF_MAX_SHIFT})::int)
    RETURNING count`
  const READ = `SELECT count, last_at FROM ${t} WHERE key = $1 AND expires_at > $2`
  return {
    async take(key: string, b: Budget, now: number): Promise<TakeResult> {
      if (now - sweptAt >= SWEEP_EVERY_MS) {
        sweptAt = now
        // Housekeeping only (expired rows are ignored anyway): its failure is not the caller's.
        void q(`DELETE FROM ${t} WHERE expires_at <= $1`, [now]).catch(() => {})
      }
      const params = [key, now, b.windowMs, b.attempts, b.backoffMs, b.maxBackoffMs]
      const got = await q<{ count: string }>(TAKE, params)
      if (got[0] !== undefined) return { ok: true, count: Number(got[0].count), retryAfterMs: 0 }
      const row = (await q<{ count: string; last_at: string }>(READ, [key, now]))[0]
      return refusal(row && { count: Number(row.count), lastAt: Number(row.last_at) }, b, now)
    },
    async refund(key: string, now: number): Promise<void> {
      await q(
        `UPDATE ${t} SET count = count - 1 WHERE key = $1 AND count > 0 AND expires_at > $2`,
        [key, now],
      )
    },
    async clear(key: string): Promise<void> {
      await q(`DELETE FROM ${t} WHERE key = $1`, [key])
    },
    async mark(key: string, ttlMs: number, now: number): Promise<void> {
      await q(
        `INSERT INTO ${t} (key, count, last_at, expires_at) VALUES ($1, 1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET last_at = excluded.last_at, expires_at = excluded.expires_at`,
        [key, now, now + ttlMs],
      )
    },
    async marked(key: string, now: number): Promise<boolean> {
      return (await q(READ, [key, now])).length > 0
    },
    close: async () => {},
  }
}

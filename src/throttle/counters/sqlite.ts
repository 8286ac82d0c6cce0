import type Database from 'better-sqlite3'
import { configAssert, storeUnavailable } from '../../core/errors.js'
import { BACKOFF_MAX_SHIFT, type Budget } from '../budget.js'
import type { AttemptCounters, TakeResult } from '../counters.js'
import { refusal, SWEEP_EVERY_MS, sqlTableName } from './sql.js'
import { assertKnownKeys } from '../../internal/strict.js'
import type { SqliteDatabaseLike } from '../../internal/drivers.js'

/** Options of {@link sqliteCounters}. */
export interface SqliteCountersOptions {
  /** Table for the counters (created if missing). Default `tessera_throttle`. */
  table?: string
}

interface Row {
  count: number
  last_at: number
}

/**
 * Attempt counters in a SQLite database, shared by every process that opens the same file.
 * Give it a better-sqlite3 `Database` on the session store's file (WAL mode and a
 * `busy_timeout` let processes wait for each other's short writes). Each try is one
 * conditional upsert, atomic under SQLite's write lock. The database stays yours to close.
 *
 * @example
 * const db = new Database('data/tessera.db')
 * db.pragma('journal_mode = WAL'); db.pragma('busy_timeout = 5000')
 * const throttle = loginThrottle({ counters: sqliteCounters(db), deviceCookie: { secret } })
 */
export function sqliteCounters(
  given: SqliteDatabaseLike,
  options: SqliteCountersOptions = {},
): AttemptCounters {
  const db = given as Database.Database
  configAssert(
    db !== null && typeof db === 'object' && typeof db.prepare === 'function',
    'sqliteCounters needs a better-sqlite3 Database (new Database(path))',
  )
  assertKnownKeys(options, ['table'], 'sqliteCounters()')
  const t = sqlTableName(options.table, 'sqliteCounters')
  db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at)`)
  // Counted when the row is new, expired, under its free tries or past its wait; otherwise
  // the WHERE leaves the row untouched and RETURNING yields nothing (refused).
  const take = db.prepare<[Record<string, number | string>], { count: number }>(
    `INSERT INTO ${t} AS c (key, count, last_at, expires_at)
     VALUES (@key, 1, @now, @now + @window)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN c.expires_at <= @now THEN 1 ELSE c.count + 1 END,
       last_at = @now, expires_at = @now + @window
     WHERE c.expires_at <= @now OR c.count < @free
       OR @now >= c.last_at + min(@max, @base << min(c.count - @free, ${BACKOFF_MAX_SHIFT}))
     RETURNING count`,
  )
  const read = db.prepare<[string, number], Row>(
    `SELECT count, last_at FROM ${t} WHERE key = ? AND expires_at > ?`,
  )
  const refund = db.prepare(
    `UPDATE ${t} SET count = count - 1 WHERE key = ? AND count > 0 AND expires_at > ?`,
  )
  const clear = db.prepare(`DELETE FROM ${t} WHERE key = ?`)
  const mark = db.prepare(
    `INSERT INTO ${t} (key, count, last_at, expires_at) VALUES (?, 1, ?, ?)
     ON CONFLICT (key) DO UPDATE SET last_at = excluded.last_at, expires_at = excluded.expires_at`,
  )
  const sweep = db.prepare(`DELETE FROM ${t} WHERE expires_at <= ?`)
  let sweptAt = 0
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn())
    } catch (error) {
      return Promise.reject(storeUnavailable(error))
    }
  }
  return {
    take: (key: string, b: Budget, now: number) =>
      run((): TakeResult => {
        if (now - sweptAt >= SWEEP_EVERY_MS) {
          sweptAt = now
          sweep.run(now)
        }
        const params = {
          key,
          now,
          window: b.windowMs,
          free: b.attempts,
          base: b.backoffMs,
          max: b.maxBackoffMs,
        }
        const got = take.get(params)
        if (got !== undefined) return { ok: true, count: got.count, retryAfterMs: 0 }
        const row = read.get(key, now)
        return refusal(row && { count: row.count, lastAt: row.last_at }, b, now)
      }),
    refund: (key: string, now: number) => run(() => void refund.run(key, now)),
    clear: (key: string) => run(() => void clear.run(key)),
    mark: (key: string, ttlMs: number, now: number) =>
      run(() => void mark.run(key, now, now + ttlMs)),
    marked: (key: string, now: number) => run(() => read.get(key, now) !== undefined),
    close: async () => {},
  }
}

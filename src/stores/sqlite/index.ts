import { type Clock, systemClock } from '../../core/clock.js'
import { configAssert, storeUnavailable, TesseraError } from '../../core/errors.js'
import { assertKnownKeys } from '../../internal/strict.js'
import { SQLITE_KEYS } from '../option-keys.js'
import { openSqlite } from './open.js'
import type { SessionRecord } from '../../core/record.js'
import type {
  CreateOptions,
  CreateResult,
  SessionPatch,
  SessionStore,
  StoreNotice,
} from '../../core/store.js'
import {
  applyData,
  applyMeta,
  INSERT_COLUMNS,
  recordParams,
  rowToRecord,
  type SessionRow,
} from './codec.js'
import { migrateSqlite, sqliteTables } from './schema.js'

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file (created if missing), or `:memory:` for a private in-memory database. */
  path: string
  /** Prefix of the store's tables, so several stores can share one file. Default `tessera_`. */
  tablePrefix?: string | undefined
  /** Clock for expiry decisions (sweeps, the cap, grace aliases). Default the system clock. */
  clock?: Clock | undefined
  /** How often expired rows are swept, ms; 0 disables the timer. Default 60 000. */
  sweepIntervalMs?: number | undefined
  /** How long a write waits for another process's lock before failing, ms. Default 5 000. */
  busyTimeoutMs?: number | undefined
  /**
   * `full` (default) fsyncs the write-ahead log at every commit, so a logout or revocation that
   * was acknowledged survives a power loss too; `normal` survives process crashes only, but
   * writes faster.
   */
  synchronous?: 'full' | 'normal' | undefined
}

/** The SQLite store, plus an explicit sweep. */
export interface SqliteStore extends SessionStore {
  /** `get` without the promise: better-sqlite3 answers synchronously. */
  getSync(id: string): SessionRecord | null
  /** Deletes sessions and aliases past their deadline now; returns how many sessions went. */
  sweep(): number
  /** Receives a `background_error` notice whenever the periodic sweep fails. */
  observe(sink: (notice: StoreNotice) => void): void
  /** Checks the database answers. The file itself was opened, or refused naming its path, at construction. */
  ready(): Promise<void>
  /** The database file's path. */
  readonly address: string
}

const SWEEP_BATCH = 500

/**
 * The embedded default store (better-sqlite3, WAL mode). The schema is created and migrated on
 * open. Every multi-step operation runs in one `BEGIN IMMEDIATE` transaction, which takes the
 * database's write lock first: it is atomic within this process (the driver is synchronous) and
 * across processes sharing the file (others wait up to `busyTimeoutMs`).
 *
 * @example
 * const sessions = createSessions({ store: sqliteStore({ path: './data/tessera.db' }) })
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  configAssert(typeof options?.path === 'string', 'sqliteStore needs { path }')
  assertKnownKeys(options, SQLITE_KEYS, 'sqliteStore')
  const t = sqliteTables(options.tablePrefix ?? 'tessera_')
  const clock = options.clock ?? systemClock
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const synchronous = options.synchronous ?? 'full'
  configAssert(
    synchronous === 'full' || synchronous === 'normal',
    "sqliteStore synchronous must be 'full' or 'normal'",
  )
  const db = openSqlite(options.path, busyTimeoutMs, synchronous)
  migrateSqlite(db, t)

  const cols = INSERT_COLUMNS
  const q = {
    byId: db.prepare(`SELECT ${cols} FROM ${t.sessions} WHERE id = ?`),
    byAlias: db.prepare(
      `SELECT s.* FROM ${t.aliases} a JOIN ${t.sessions} s ON s.id = a.session_id
       WHERE a.id = ? AND a.expires_at > ?`,
    ),
    insert: db.prepare(
      `INSERT INTO ${t.sessions} (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertAlias: db.prepare(
      `INSERT OR REPLACE INTO ${t.aliases} (id, session_id, expires_at) VALUES (?, ?, ?)`,
    ),
    liveOfUser: db.prepare(
      `SELECT id FROM ${t.sessions} WHERE user_id = ? AND expires_at > ?
       ORDER BY last_seen_at, created_at, id`,
    ),
    expiredOfUser: db.prepare(`DELETE FROM ${t.sessions} WHERE user_id = ? AND expires_at <= ?`),
    deleteById: db.prepare(`DELETE FROM ${t.sessions} WHERE id = ? RETURNING ${cols}`),
    // The replaced record of a create: exactly this id (aliases are not followed), and with
    // `expectVersion`, only at that version.
    deleteReplaced: db.prepare(
      `DELETE FROM ${t.sessions} WHERE id = @id AND (@expect IS NULL OR version = @expect)`,
    ),
    dataMeta: db.prepare(`SELECT data, meta, version FROM ${t.sessions} WHERE id = ?`),
    updateAll: db.prepare(
      `UPDATE ${t.sessions} SET data = ?, meta = ?, last_seen_at = coalesce(?, last_seen_at),
         idle_expires_at = coalesce(?, idle_expires_at),
         authenticated_at = coalesce(?, authenticated_at), version = version + 1
       WHERE id = ?`,
    ),
    touch: db.prepare(
      `UPDATE ${t.sessions} SET last_seen_at = coalesce(?, last_seen_at),
         idle_expires_at = coalesce(?, idle_expires_at),
         authenticated_at = coalesce(?, authenticated_at), version = version + 1
       WHERE id = ? AND (? IS NULL OR version = ?)`,
    ),
    listByUser: db.prepare(`SELECT ${cols} FROM ${t.sessions} WHERE user_id = ?`),
    deleteByHandle: db.prepare(
      `DELETE FROM ${t.sessions} WHERE handle = @handle AND (@userId IS NULL OR user_id = @userId)
       RETURNING ${cols}`,
    ),
    deleteByUser: db.prepare(
      `DELETE FROM ${t.sessions} WHERE user_id = @userId AND id IS NOT @except RETURNING ${cols}`,
    ),
    sweepBatch: db.prepare(
      `DELETE FROM ${t.sessions} WHERE id IN
         (SELECT id FROM ${t.sessions} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`,
    ),
    sweepAliases: db.prepare(`DELETE FROM ${t.aliases} WHERE expires_at <= ?`),
    ping: db.prepare('SELECT 1'),
  }

  const create = db.transaction((record: SessionRecord, o: CreateOptions): CreateResult => {
    const now = clock.now()
    const evicted: SessionRecord[] = []
    // A replacement whose old record is gone (renewed, regenerated or revoked by a concurrent
    // request) or changed since the caller read it writes nothing: it must neither fork the
    // session nor revive it. Checked first, so a lost race never meets the cap. The delete is
    // undone with everything else if the cap rejects below.
    if (o.replaces !== undefined) {
      const expect = o.expectVersion ?? null
      if (q.deleteReplaced.run({ id: o.replaces, expect }).changes === 0) {
        return { evicted, skipped: true }
      }
    }
    if (record.userId !== null) {
      // Keeps a user's rows bounded even between sweeps.
      q.expiredOfUser.run(record.userId, now)
      if (o.limit) {
        const others = q.liveOfUser.all(record.userId, now) as { id: string }[]
        const excess = others.length + 1 - o.limit.max
        if (excess > 0) {
          if (o.limit.policy === 'reject-new') {
            // Throwing rolls the transaction back: nothing is written.
            throw new TesseraError(
              'ERR_SESSION_LIMIT',
              'too many concurrent sessions for this user',
            )
          }
          for (const { id } of others.slice(0, excess)) {
            const row = q.deleteById.get(id) as SessionRow | undefined
            if (row) evicted.push(rowToRecord(row))
          }
        }
      }
    }
    // The replaced row went first: a rotated record keeps its handle, which is unique.
    q.insert.run(...recordParams(record))
    if (o.replaces !== undefined && o.graceUntil !== undefined && o.graceUntil > now) {
      q.insertAlias.run(o.replaces, record.id, o.graceUntil)
    }
    return { evicted }
  })

  const update = db.transaction((id: string, patch: SessionPatch): boolean => {
    const fields = [
      patch.lastSeenAt ?? null,
      patch.idleExpiresAt ?? null,
      patch.authenticatedAt ?? null,
    ]
    const expect = patch.expectVersion ?? null
    if (!patch.set && !patch.unset && !patch.meta)
      return q.touch.run(...fields, id, expect, expect).changes > 0
    // Read-modify-write of the JSON columns under the write lock: no other writer (thread or
    // process) can interleave, so concurrent changes of different keys all survive, and the
    // version compared here is still the stored one when the row is written.
    const row = q.dataMeta.get(id) as { data: string; meta: string; version: number } | undefined
    if (!row || (expect !== null && row.version !== expect)) return false
    const data = patch.set || patch.unset ? applyData(row.data, patch) : row.data
    const meta = patch.meta ? applyMeta(row.meta, patch.meta) : row.meta
    q.updateAll.run(data, meta, ...fields, id)
    return true
  })

  const sweep = (): number => {
    const now = clock.now()
    let total = 0
    // Small batches, each its own transaction, so a big sweep never holds the lock for long.
    for (;;) {
      const n = q.sweepBatch.run(now).changes
      total += n
      if (n < SWEEP_BATCH) break
    }
    q.sweepAliases.run(now)
    return total
  }

  let notify: (notice: StoreNotice) => void = () => {}
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000
  const timer =
    sweepIntervalMs > 0
      ? setInterval(() => {
          try {
            sweep()
          } catch (error) {
            // Busy or failing disk: the next run retries, but an operator must see that expired
            // rows are piling up, so the failure is reported rather than swallowed.
            notify({ type: 'background_error', task: 'sweep', error: storeUnavailable(error) })
          }
        }, sweepIntervalMs)
      : null
  timer?.unref()

  // better-sqlite3 throws synchronously; every method turns that into a typed rejection.
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn())
    } catch (error) {
      return Promise.reject(storeUnavailable(error))
    }
  }
  const toRecords = (rows: unknown[]): SessionRecord[] =>
    (rows as SessionRow[]).map((row) => rowToRecord(row))

  const getSync = (id: string): SessionRecord | null => {
    try {
      const row = (q.byId.get(id) ?? q.byAlias.get(id, clock.now())) as SessionRow | undefined
      return row ? rowToRecord(row) : null
    } catch (error) {
      throw storeUnavailable(error)
    }
  }

  return {
    sweep,
    getSync,
    get: (id) => run(() => getSync(id)),
    create: (record, o = {}) => run(() => create.immediate(record, o)),
    update: (id, patch) => run(() => update.immediate(id, patch)),
    destroy: (id) =>
      run(() => {
        const row = q.deleteById.get(id) as SessionRow | undefined
        return row ? rowToRecord(row) : null
      }),
    listByUser: (userId) => run(() => toRecords(q.listByUser.all(userId))),
    destroyByHandle: (handle, o = {}) =>
      run(() => {
        const row = q.deleteByHandle.get({ handle, userId: o.userId ?? null }) as
          | SessionRow
          | undefined
        return row ? rowToRecord(row) : null
      }),
    destroyByUser: (userId, o = {}) =>
      run(() => toRecords(q.deleteByUser.all({ userId, except: o.except ?? null }))),
    ping: () =>
      run(() => {
        q.ping.get()
      }),
    ready: () => run(() => void q.ping.get()),
    address: options.path,
    close: async () => {
      if (timer) clearInterval(timer)
      if (db.open) db.close()
    },
    observe: (sink) => {
      notify = sink
    },
  }
}

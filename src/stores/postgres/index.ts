import type pg from 'pg'
import { type Clock, systemClock } from '../../core/clock.js'
import { configAssert, storeUnavailable, TesseraError } from '../../core/errors.js'
import { requireOptional } from '../../internal/optional.js'
import { assertKnownKeys } from '../../internal/strict.js'
import { POSTGRES_KEYS } from '../option-keys.js'
import { pgAddress, type ReadyStore, withReadiness } from '../readiness.js'
import type { SessionRecord } from '../../core/record.js'
import type { CreateOptions, CreateResult, SessionStore, StoreNotice } from '../../core/store.js'
import { encodeEntries, escapeText, type PgSessionRow, recordParams, rowToRecord } from './codec.js'
import { pgQueries, SWEEP_BATCH } from './queries.js'
import { migratePg, pgTables } from './schema.js'
import { withPgNearCache } from './listen.js'
import { type NearCacheOptions, nearCacheSettings } from '../near-cache/index.js'
import { isPgPool, type PgPoolLike } from '../../internal/drivers.js'

const driver = requireOptional<typeof pg>('pg', 'postgresStore (tessera-session/stores/postgres)')

/** Options of {@link postgresStore}. Give `connectionString` or `pool`. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db`; the store creates and owns a pool for it. */
  connectionString?: string | undefined
  /** An existing pool; the store then leaves it open on `close()`. */
  pool?: PgPoolLike | undefined
  /** Pool size when the store creates the pool. Default 10. */
  poolSize?: number | undefined
  /** Schema of the store's tables (created if missing). Default `public`. */
  schema?: string | undefined
  /** Prefix of the store's tables. Default `tessera_`. */
  tablePrefix?: string | undefined
  /** Clock for expiry decisions (sweeps, the cap, grace aliases). Default the system clock. */
  clock?: Clock | undefined
  /** How often expired rows are swept, ms; 0 disables the timer. Default 60 000. */
  sweepIntervalMs?: number | undefined
  /** Opt-in near cache of reads, invalidated by LISTEN/NOTIFY: docs/near-cache.md. Default off. */
  nearCache?: boolean | NearCacheOptions | undefined
}

/** The PostgreSQL store, plus an explicit sweep. */
export interface PostgresStore extends SessionStore {
  /** Deletes sessions and aliases past their deadline now; resolves with how many sessions went. */
  sweep(): Promise<number>
  /** Receives a `background_error` notice whenever the periodic sweep fails. */
  observe(sink: (notice: StoreNotice) => void): void
}

const ignore = () => {}

/**
 * Sessions in PostgreSQL through a `pg` pool. The store creates and migrates its own tables on
 * first use. Per-key writes are one `UPDATE` with jsonb `||` and `-`; creation (the per-user cap,
 * rotation, grace aliases) is one transaction that first takes a per-user advisory lock, so
 * concurrent logins of one user on any number of app instances are serialised.
 *
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 * const sessions = createSessions({ store })
 */
export function postgresStore(options: PostgresStoreOptions): ReadyStore<PostgresStore> {
  configAssert(
    typeof options?.connectionString === 'string' || isPgPool(options?.pool),
    'postgresStore needs { connectionString } or { pool }',
  )
  assertKnownKeys(options, POSTGRES_KEYS, 'postgresStore')
  const prefix = options.tablePrefix ?? 'tessera_'
  const t = pgTables(options.schema ?? 'public', prefix)
  const near = nearCacheSettings(options.nearCache, 'postgresStore')
  const clock = options.clock ?? systemClock
  const owned = !options.pool
  const pool =
    (options.pool as pg.Pool | undefined) ??
    new driver.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      // Fail fast (→ 503) instead of queueing forever while the server is away.
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      // A stuck statement (a lock held elsewhere) becomes a 503, not a hung request.
      statement_timeout: 10_000,
      application_name: 'tessera',
    })
  // An idle client whose server connection dies emits 'error' on the pool; unhandled, that
  // would crash the process. The pool drops the client and connects afresh on the next query.
  pool.on('error', ignore)

  const q = pgQueries(t)

  // Migrate on first use rather than in the constructor, so an app can start while the
  // database is still down; a failed attempt is retried by the next call.
  let migrated = false
  let migrating: Promise<void> | null = null
  const ensureSchema = async (): Promise<void> => {
    if (migrated) return
    migrating ??= (async () => {
      const client = await pool.connect()
      client.on('error', ignore)
      try {
        await migratePg(client, t, prefix)
        migrated = true
      } finally {
        client.off('error', ignore)
        client.release()
      }
    })().finally(() => {
      migrating = null
    })
    await migrating
  }
  const query = async (config: { name: string; text: string; values: unknown[] }) => {
    try {
      await ensureSchema()
      return await pool.query<PgSessionRow>(config)
    } catch (error) {
      throw storeUnavailable(error)
    }
  }
  const one = (rows: PgSessionRow[]) => (rows[0] ? rowToRecord(rows[0]) : null)

  const createTx = async (client: pg.PoolClient, r: SessionRecord, o: CreateOptions) => {
    const now = clock.now()
    const evicted: SessionRecord[] = []
    const userId = r.userId === null ? null : escapeText(r.userId)
    const replaces = o.replaces === undefined ? null : escapeText(o.replaces)
    // Serialises every creation for this user until COMMIT, so the count below stays true. Taken
    // before any row lock, as every creation does, so two creations never wait on each other in
    // opposite orders.
    if (userId !== null) await client.query(q.lockUser([t.lockSpace, userId]))
    // A replacement whose old record is gone (renewed, regenerated or revoked by a concurrent
    // request) or changed since the caller read it writes nothing: no fork, no revival. Checked
    // before the cap, so a lost race never meets it; ROLLBACK restores the row if the cap rejects.
    if (replaces !== null) {
      const expect = o.expectVersion ?? null
      if (((await client.query(q.deleteReplaced([replaces, expect]))).rowCount ?? 0) === 0)
        return { evicted, skipped: true }
    }
    if (userId !== null && o.limit) {
      const live = await client.query<{ id: string }>(q.liveOfUser([userId, now]))
      const excess = live.rows.length + 1 - o.limit.max
      if (excess > 0) {
        if (o.limit.policy === 'reject-new')
          throw new TesseraError('ERR_SESSION_LIMIT', 'too many concurrent sessions for this user')
        const ids = live.rows.slice(0, excess).map((row) => row.id)
        const gone = await client.query<PgSessionRow>(q.deleteIds([ids]))
        evicted.push(...gone.rows.map(rowToRecord).sort((a, b) => a.lastSeenAt - b.lastSeenAt))
      }
    }
    // The replaced row went first: a rotated record keeps its handle, which is unique.
    await client.query(q.insert(recordParams(r)))
    if (replaces !== null && o.graceUntil !== undefined && o.graceUntil > now)
      await client.query(q.insertAlias([replaces, escapeText(r.id), o.graceUntil]))
    return { evicted }
  }

  /** Runs `fn` in one transaction on a checked-out client; any failure rolls back and is an outage. */
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    let client: pg.PoolClient
    try {
      await ensureSchema()
      client = await pool.connect()
    } catch (error) {
      throw storeUnavailable(error)
    }
    // A checked-out client has no pool listener: if the server drops it between two of our
    // queries, its 'error' event would otherwise crash the process. The failing query rejects.
    client.on('error', ignore)
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      client.off('error', ignore)
      client.release()
      return result
    } catch (error) {
      // A client whose ROLLBACK fails is broken: destroy it instead of pooling it.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error('rollback failed')),
      )
      client.off('error', ignore)
      client.release(rollback)
      throw storeUnavailable(error)
    }
  }

  // Ending a user's sessions waits for that user's in-flight creations (renewals,
  // regenerations) to commit, by taking the same advisory lock: under READ COMMITTED a plain
  // DELETE would miss a successor row inserted after its snapshot, and a logout racing a
  // renewal would leave the renewed session alive.
  const underUserLock = <T>(userId: string, fn: (client: pg.PoolClient) => Promise<T>) =>
    transaction(async (client) => {
      await client.query(q.lockUser([t.lockSpace, userId]))
      return fn(client)
    })

  const sweep = async (): Promise<number> => {
    const now = clock.now()
    let total = 0
    for (;;) {
      const n = (await query(q.sweepBatch([now]))).rowCount ?? 0
      total += n
      if (n < SWEEP_BATCH) break
    }
    await query(q.sweepAliases([now]))
    return total
  }
  let notify: (notice: StoreNotice) => void = () => {}
  let sweeping = false
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000
  const timer =
    sweepIntervalMs > 0
      ? setInterval(() => {
          if (sweeping) return
          sweeping = true
          // A failed sweep is retried by the next tick, but an operator must see that expired
          // rows are piling up, so the failure is reported rather than swallowed.
          sweep()
            .catch((error: unknown) => {
              notify({ type: 'background_error', task: 'sweep', error })
            })
            .finally(() => {
              sweeping = false
            })
        }, sweepIntervalMs)
      : null
  timer?.unref()
  let closed = false

  const store: PostgresStore = {
    sweep,
    async get(id) {
      return one((await query(q.get([escapeText(id), clock.now()]))).rows)
    },
    async create(record, o = {}): Promise<CreateResult> {
      return transaction((client) => createTx(client, record, o))
    },
    async update(id, patch) {
      const set = encodeEntries(patch.set)
      const meta = encodeEntries(patch.meta as Record<string, unknown> | undefined)
      const unset = [...set.removed, ...(patch.unset ?? []).map(escapeText)]
      const result = await query(
        q.update([
          escapeText(id),
          set.json,
          unset,
          meta.json,
          meta.removed,
          patch.lastSeenAt ?? null,
          patch.idleExpiresAt ?? null,
          patch.authenticatedAt ?? null,
          patch.expectVersion ?? null,
        ]),
      )
      return (result.rowCount ?? 0) > 0
    },
    async destroy(id) {
      return one((await query(q.deleteById([escapeText(id)]))).rows)
    },
    async listByUser(userId) {
      return (await query(q.listByUser([escapeText(userId)]))).rows.map(rowToRecord)
    },
    async destroyByHandle(handle, o = {}) {
      if (o.userId === undefined)
        return one((await query(q.deleteByHandle([escapeText(handle), null]))).rows)
      const owner = escapeText(o.userId)
      return underUserLock(owner, async (client) =>
        one((await client.query<PgSessionRow>(q.deleteByHandle([escapeText(handle), owner]))).rows),
      )
    },
    async destroyByUser(userId, o = {}) {
      const except = o.except === undefined ? null : escapeText(o.except)
      const owner = escapeText(userId)
      return underUserLock(owner, async (client) =>
        (await client.query<PgSessionRow>(q.deleteByUser([owner, except]))).rows.map(rowToRecord),
      )
    },
    async ping() {
      try {
        await ensureSchema()
        await pool.query('SELECT 1')
      } catch (error) {
        throw storeUnavailable(error)
      }
    },
    async close() {
      if (timer) clearInterval(timer)
      if (closed) return
      closed = true
      if (owned) await pool.end()
    },
    observe(sink) {
      notify = sink
    },
  }
  const ready = (s: PostgresStore) => withReadiness(s, 'PostgreSQL', pgAddress(options, pool))
  const deps = { Client: driver.Client, pool, ensureSchema, tables: t, prefix }
  return ready(near ? withPgNearCache(store, near, deps) : store)
}
export type { NearCacheEvent, NearCacheOptions, NearCacheStats } from '../near-cache/index.js'
export { nearCacheStats } from '../near-cache/index.js'
export { nearCacheChannel } from './channel-name.js'

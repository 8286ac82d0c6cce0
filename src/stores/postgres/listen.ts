// The near cache's invalidation channel on PostgreSQL: a trigger NOTIFYs every change of a
// session row, and one dedicated connection LISTENs.
import type pg from 'pg'
import type { SessionStore } from '../../core/store.js'
import type { InvalidationChannel, InvalidationSink } from '../near-cache/channel.js'
import { type NearCacheSettings, withNearCache } from '../near-cache/index.js'
import { unescapeText } from './codec.js'
import { notifyChannel } from './channel-name.js'
import type { PgTables } from './schema.js'

export { nearCacheChannel, notifyChannel } from './channel-name.js'

// How often the listening connection is asked `SELECT 1`, and how long it may take, ms. Lenient
// on purpose: a false alarm empties every cache at once (a burst of reads on the database),
// while what a silently dead connection could cost is bounded by the entries' max age anyway.
const HEARTBEAT_MS = 2000
const HEARTBEAT_TIMEOUT_MS = 5000

/** What the listener needs from the store around it. */
export interface PgListenDeps {
  /** A new, unconnected client to the store's database (not from the pool: it stays checked out). */
  client(): pg.Client
  /** Resolves once the store's tables exist (the trigger is installed on them). */
  ensureSchema(): Promise<void>
  tables: PgTables
  prefix: string
}

/**
 * Installs (once, idempotently, under an advisory lock) the trigger that NOTIFYs the id of
 * every session row updated or deleted — by any writer, with or without a near cache — and
 * `*` on TRUNCATE. Rows inserted need none: the cache never keeps a miss.
 */
async function installTrigger(client: pg.Client, t: PgTables, prefix: string, channel: string) {
  const fn = `"${t.schema}"."${prefix}sessions_notify"`
  const name = `${prefix}sessions_notify`
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 2)', [t.lockSpace])
    const found = await client.query(
      'SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2',
      [t.sessions, name],
    )
    if (found.rowCount === 0) {
      await client.query(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
          IF TG_OP = 'TRUNCATE' THEN PERFORM pg_notify(TG_ARGV[0], '*');
          ELSE PERFORM pg_notify(TG_ARGV[0], OLD.id);
          END IF;
          RETURN NULL;
        END $f$`)
      await client.query(`CREATE TRIGGER "${name}" AFTER UPDATE OR DELETE ON ${t.sessions}
        FOR EACH ROW EXECUTE FUNCTION ${fn}('${channel}')`)
      await client.query(`CREATE TRIGGER "${name}_all" AFTER TRUNCATE ON ${t.sessions}
        FOR EACH STATEMENT EXECUTE FUNCTION ${fn}('${channel}')`)
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/**
 * Invalidations pushed by PostgreSQL: one dedicated connection LISTENs on the store's channel.
 * The channel is up once LISTEN has returned; a connection error or end (a restart,
 * `pg_terminate_backend`), or a heartbeat left unanswered for 5 s, takes it down, and a
 * new connection is opened with backoff (50 ms doubling to 2 s) until LISTEN succeeds again.
 *
 * @example
 * const channel = pgListen({ client: () => new pg.Client(url), ensureSchema, tables, prefix })
 */
export function pgListen(deps: PgListenDeps): InvalidationChannel {
  const channel = notifyChannel(deps.tables)
  let sink: InvalidationSink | null = null
  let current: pg.Client | null = null
  let stopped = false
  let failures = 0
  let installed = false
  let retry: NodeJS.Timeout | undefined
  let heartbeat: NodeJS.Timeout | undefined

  const lost = (client: pg.Client, error: unknown) => {
    if (current !== client) return
    current = null
    clearInterval(heartbeat)
    sink?.down(error ?? new Error('PostgreSQL listener connection ended'))
    client.end().catch(() => {})
    if (stopped) return
    const wait = Math.min(50 * 2 ** failures++, 2000)
    retry = setTimeout(() => void listen(), wait).unref()
  }

  const listen = async () => {
    if (stopped) return
    const client = deps.client()
    current = client
    client.on('error', (e: unknown) => lost(client, e))
    client.on('end', () => lost(client, new Error('PostgreSQL listener connection ended')))
    client.on('notification', (m: pg.Notification) => {
      if (m.channel !== channel || current !== client) return
      if (m.payload === '*') sink?.invalidateAll()
      else if (m.payload) sink?.invalidate(unescapeText(m.payload))
    })
    try {
      await deps.ensureSchema()
      await client.connect()
      if (!installed) {
        await installTrigger(client, deps.tables, deps.prefix, channel)
        installed = true
      }
      await client.query(`LISTEN "${channel}"`)
    } catch (error) {
      return lost(client, error)
    }
    if (current !== client || stopped) return
    failures = 0
    sink?.up()
    // A connection that died without a word (a partition, a half-open socket) is noticed here.
    heartbeat = setInterval(() => {
      let answered = false
      const late = setTimeout(() => {
        if (!answered) lost(client, new Error('PostgreSQL listener heartbeat unanswered'))
      }, HEARTBEAT_TIMEOUT_MS).unref()
      client.query('SELECT 1').then(
        () => {
          answered = true
          clearTimeout(late)
        },
        (e: unknown) => {
          clearTimeout(late)
          lost(client, e)
        },
      )
    }, HEARTBEAT_MS).unref()
  }

  return {
    start(s) {
      sink = s
      void listen()
    },
    async close() {
      stopped = true
      clearTimeout(retry)
      clearInterval(heartbeat)
      const client = current
      current = null
      await client?.end().catch(() => {})
    },
  }
}

/**
 * `store` behind a near cache whose invalidations come through {@link pgListen}, on a
 * connection made with the pool's settings.
 *
 * @example
 * return withPgNearCache(store, settings, { Client: pg.Client, pool, ensureSchema, tables, prefix })
 */
export function withPgNearCache<S extends SessionStore>(
  store: S,
  settings: NearCacheSettings,
  deps: Omit<PgListenDeps, 'client'> & { Client: typeof pg.Client; pool: pg.Pool },
): S {
  // Named after its channel, so an operator can find (or a test terminate) this connection.
  const name = notifyChannel(deps.tables)
  const config = { ...deps.pool.options, application_name: name, keepAlive: true }
  const client = () => new deps.Client(config)
  return withNearCache(store, pgListen({ ...deps, client }), settings)
}

import { sharedSecret } from './secrets.js'
import type { Clock } from 'tessera-session'
import {
  type AttemptCounters,
  type LoginThrottle,
  loginThrottle,
  memoryCounters,
  postgresCounters,
  redisClusterCounters,
  redisCounters,
  sqliteCounters,
  type ThrottleEvents,
} from 'tessera-session/throttle'
import { ConfigError } from './config.js'

/** The app's login throttle and what closes its connection. */
export interface AppThrottle {
  throttle: LoginThrottle
  close(): Promise<void>
}

/**
 * Attempt counters on the backend of `STORE_URL`, so every app process on that store shares
 * the login budgets. They use their own driver connection (the store's is private to it); a
 * `memory:` store gets in-process counters, and so does an in-memory SQLite database.
 */
async function countersFromUrl(
  url: string,
): Promise<{ counters: AttemptCounters; close: () => Promise<void> }> {
  const scheme = url.slice(0, url.indexOf(':') + 1)
  switch (scheme) {
    case 'sqlite:': {
      const path = url.slice('sqlite:'.length)
      if (!path || path === ':memory:') break
      const { default: Database } = await import('better-sqlite3')
      const db = new Database(path)
      db.pragma('journal_mode = WAL')
      db.pragma('busy_timeout = 5000')
      return { counters: sqliteCounters(db), close: async () => void db.close() }
    }
    case 'redis:':
    case 'rediss:': {
      const { createClient } = await import('redis')
      const client = createClient({ url, disableOfflineQueue: true })
      client.on('error', () => {})
      await client.connect()
      return { counters: redisCounters(client), close: () => client.close() }
    }
    case 'redis-cluster:': {
      const { createCluster } = await import('redis')
      const rootNodes = url
        .slice('redis-cluster://'.length)
        .split(',')
        .filter(Boolean)
        .map((hp) => ({ url: `redis://${hp}` }))
      const cluster = createCluster({ rootNodes, defaults: { disableOfflineQueue: true } })
      cluster.on('error', () => {})
      await cluster.connect()
      return { counters: redisClusterCounters(cluster), close: () => cluster.close() }
    }
    case 'postgres:':
    case 'postgresql:': {
      const { default: pg } = await import('pg')
      const pool = new pg.Pool({ connectionString: url, max: 4 })
      pool.on('error', () => {})
      return { counters: postgresCounters(pool), close: () => pool.end() }
    }
  }
  return { counters: memoryCounters(), close: async () => {} }
}

/**
 * The reference app's login throttle, with the library's default budgets. `LOGIN_THROTTLE=off`
 * turns it off (benchmark baselines only). `DEVICE_COOKIE_SECRET` signs the device cookies; every
 * process behind one address must share it (without it, a random one is made at start and
 * device cookies do not survive a restart). `events` (the session manager) hears of each
 * `authn_login_lock`.
 */
export async function appThrottle(
  storeUrl: string,
  clock: Clock | undefined,
  events?: ThrottleEvents,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AppThrottle | null> {
  const mode = env.LOGIN_THROTTLE ?? 'on'
  if (mode !== 'on' && mode !== 'off')
    throw new ConfigError(`LOGIN_THROTTLE=${JSON.stringify(mode)} is invalid: must be on or off`)
  if (mode === 'off') return null
  const secret = sharedSecret(env, 'DEVICE_COOKIE_SECRET', 'or set LOGIN_THROTTLE=off')
  if (Buffer.byteLength(secret) < 32)
    throw new ConfigError(
      'DEVICE_COOKIE_SECRET is invalid: must be at least 32 bytes; run `npx tessera-session keygen`',
    )
  const { counters, close } = await countersFromUrl(storeUrl)
  return {
    throttle: loginThrottle({ counters, clock, deviceCookie: { secret }, events }),
    close,
  }
}

import type { Clock } from '../src/core/clock.js'
import type { SessionStore } from '../src/core/store.js'

/**
 * Builds the session store named by `STORE_URL`. Drivers are imported lazily, so an app on
 * SQLite never loads the Redis or PostgreSQL client.
 */
export async function storeFromUrl(url: string, clock?: Clock): Promise<SessionStore> {
  const scheme = url.slice(0, url.indexOf(':') + 1)
  switch (scheme) {
    case 'memory:': {
      const { memoryStore } = await import('../src/stores/memory/index.js')
      return memoryStore(clock ? { clock } : {})
    }
    case 'sqlite:': {
      const { sqliteStore } = await import('../src/stores/sqlite/index.js')
      return sqliteStore({ path: url.slice('sqlite:'.length) || ':memory:', clock })
    }
    case 'redis:':
    case 'rediss:': {
      const { redisStore } = await import('../src/stores/redis/index.js')
      return redisStore({ url })
    }
    case 'redis-cluster:': {
      const { redisClusterStore } = await import('../src/stores/redis/index.js')
      const nodes = url
        .slice('redis-cluster://'.length)
        .split(',')
        .filter(Boolean)
        .map((hp) => `redis://${hp}`)
      return redisClusterStore({ nodes })
    }
    case 'postgres:':
    case 'postgresql:': {
      const { postgresStore } = await import('../src/stores/postgres/index.js')
      return postgresStore({ connectionString: url, clock })
    }
    default:
      throw new Error('must start with memory:, sqlite:, redis://, redis-cluster:// or postgres://')
  }
}

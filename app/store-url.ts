import type { Clock, SessionStore } from 'tessera-session'

/**
 * Builds the session store named by `STORE_URL` and checks that it answers: a wrong address
 * stops the app at boot, naming the address and the reason, instead of answering 503s later.
 * Drivers are imported lazily, so an app on SQLite never loads the Redis or PostgreSQL client.
 */
export async function storeFromUrl(url: string, clock?: Clock): Promise<SessionStore> {
  const store = await openStore(url, clock)
  try {
    await store.ready?.()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}

async function openStore(url: string, clock?: Clock): Promise<SessionStore> {
  const scheme = url.slice(0, url.indexOf(':') + 1)
  switch (scheme) {
    case 'memory:': {
      const { memoryStore } = await import('tessera-session/stores/memory')
      return memoryStore(clock ? { clock } : {})
    }
    case 'sqlite:': {
      const { sqliteStore } = await import('tessera-session/stores/sqlite')
      return sqliteStore({ path: url.slice('sqlite:'.length) || ':memory:', clock })
    }
    case 'redis:':
    case 'rediss:': {
      const { redisStore } = await import('tessera-session/stores/redis')
      return redisStore({ url })
    }
    case 'redis-cluster:': {
      const { redisClusterStore } = await import('tessera-session/stores/redis')
      const nodes = url
        .slice('redis-cluster://'.length)
        .split(',')
        .filter(Boolean)
        .map((hp) => `redis://${hp}`)
      return redisClusterStore({ nodes })
    }
    case 'postgres:':
    case 'postgresql:': {
      const { postgresStore } = await import('tessera-session/stores/postgres')
      return postgresStore({ connectionString: url, clock })
    }
    default:
      throw new Error('must start with memory:, sqlite:, redis://, redis-cluster:// or postgres://')
  }
}

// The option keys of each store factory, checked at construction (a misspelt `tablePrefx`
// would otherwise leave the default in force without a word). Listed against each options
// type, so the compiler keeps the lists complete. `nearCache` is the network stores' opt-in
// read cache (src/stores/near-cache).
import { optionKeys } from '../internal/strict.js'
import type { MemoryStoreOptions } from './memory/index.js'
import type { PostgresStoreOptions } from './postgres/index.js'
import type { RedisClusterStoreOptions, RedisStoreOptions } from './redis/index.js'
import type { SqliteStoreOptions } from './sqlite/index.js'

type WithNearCache<T> = T & { nearCache?: unknown }

const connection = { keyPrefix: true, commandTimeoutMs: true, onError: true } as const

/** Options of `memoryStore`. */
export const MEMORY_KEYS = optionKeys<MemoryStoreOptions>({
  maxEntries: true,
  sweepIntervalMs: true,
  clock: true,
  quiet: true,
})

/** Options of `sqliteStore`. */
export const SQLITE_KEYS = optionKeys<SqliteStoreOptions>({
  path: true,
  tablePrefix: true,
  clock: true,
  sweepIntervalMs: true,
  busyTimeoutMs: true,
  synchronous: true,
})

/** Options of `postgresStore`. */
export const POSTGRES_KEYS = optionKeys<WithNearCache<PostgresStoreOptions>>({
  connectionString: true,
  pool: true,
  poolSize: true,
  schema: true,
  tablePrefix: true,
  clock: true,
  sweepIntervalMs: true,
  nearCache: true,
})

/** Options of `redisStore`. */
export const REDIS_KEYS = optionKeys<WithNearCache<RedisStoreOptions>>({
  url: true,
  client: true,
  nearCache: true,
  ...connection,
})

/** Options of `redisClusterStore`. */
export const REDIS_CLUSTER_KEYS = optionKeys<WithNearCache<RedisClusterStoreOptions>>({
  nodes: true,
  cluster: true,
  nearCache: true,
  ...connection,
})

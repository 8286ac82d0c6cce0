import type { SessionStore } from 'tessera-session'
import { skip } from '../serve.mjs'

/** Store calls counted per method, read by the harness on the side port. */
export type OpCounts = Record<string, number>

/**
 * Wraps a store so the harness can count calls per request. The wrapper adds one plain
 * function call per store call (no await, no allocation), so it does not distort timings.
 *
 * @example
 * const { store, counts } = countingStore(memoryStore())
 */
export function countingStore(inner: SessionStore): { store: SessionStore; counts: OpCounts } {
  const counts: OpCounts = {}
  const wrapped = { ...inner } as unknown as Record<string, unknown>
  for (const name of Object.keys(inner) as Array<keyof SessionStore>) {
    const fn = inner[name]
    if (typeof fn !== 'function') continue
    // The synchronous read is the same store read as `get`: count it as one.
    const op = name === 'getSync' ? 'get' : name
    counts[op] = 0
    wrapped[name] = (...args: unknown[]) => {
      counts[op] = (counts[op] ?? 0) + 1
      return (fn as (...a: unknown[]) => unknown).apply(inner, args)
    }
  }
  return { store: wrapped as unknown as SessionStore, counts }
}

/**
 * Builds the store named by `STORE` (memory, sqlite, redis, redis-cluster, postgres) with a
 * per-process key prefix / table prefix, so runs never see each other's data. A store that has
 * not landed yet (placeholder that throws) makes the case report SKIP.
 *
 * @example
 * const store = await benchStore(process.env.STORE ?? 'memory')
 */
export async function benchStore(kind: string): Promise<SessionStore> {
  // Population servers share one prefix per run (their sessions are seeded again by each).
  const tag = process.env.POPULATION ? `benchpop${process.ppid}` : `bench${process.pid}`
  try {
    switch (kind) {
      case 'memory': {
        const { memoryStore } = await import('tessera-session/stores/memory')
        const population = Number(process.env.POPULATION ?? 0)
        return memoryStore({ maxEntries: Math.max(100_000, population + 10_000) })
      }
      case 'sqlite': {
        const { sqliteStore } = await import('tessera-session/stores/sqlite')
        const dir = process.env.BENCH_TMP ?? '/tmp'
        return sqliteStore({ path: `${dir}/${tag}.db` })
      }
      case 'redis': {
        const { redisStore } = await import('tessera-session/stores/redis')
        return redisStore({
          url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          keyPrefix: `${tag}:`,
        })
      }
      case 'redis-cluster': {
        const { redisClusterStore } = await import('tessera-session/stores/redis')
        const nodes = (process.env.REDIS_CLUSTER_URL ?? '').split(',').filter(Boolean)
        return redisClusterStore({ nodes, keyPrefix: `${tag}:` })
      }
      case 'postgres': {
        const { postgresStore } = await import('tessera-session/stores/postgres')
        const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
        // The harness creates BENCH_PG_SCHEMA for this run and drops it afterwards.
        const schema = process.env.BENCH_PG_SCHEMA ?? 'public'
        return postgresStore({ connectionString: url, schema, tablePrefix: `${tag}_` })
      }
      default:
        return skip(`unknown store ${kind}`)
    }
  } catch (error) {
    return skip(error instanceof Error ? error.message : String(error))
  }
}

// The near cache's read cost without HTTP: CPU per `sessions.open()` (cookie → hash → store
// read → expiry checks → Session) in this process, memory store against Redis and PostgreSQL
// with the cache on, all hits. Much less exposed to other processes' noise than server CPU per
// HTTP request, and it isolates what the cache changes: the read.
import { cpuUsage } from 'node:process'
import { createSessions, type SessionStore } from 'tessera-session'
import { memoryStore } from 'tessera-session/stores/memory'
import { postgresStore } from 'tessera-session/stores/postgres'
import { type NearCacheEvent, redisStore } from 'tessera-session/stores/redis'
import { cleanUp, runPrefix } from './near-cache-lib.js'

/** CPU µs per `open()` of a signed-in session, per store, per round. */
export async function measureOpenCpu(
  o: { rounds: number; opens: number },
  urls: { redis: string; postgres: string },
): Promise<Record<'memory' | 'redis-nc' | 'postgres-nc', number[]>> {
  const out = { memory: [] as number[], 'redis-nc': [] as number[], 'postgres-nc': [] as number[] }
  const prefixes = { redis: runPrefix('redis'), postgres: runPrefix('postgres') }
  const open = async (kind: keyof typeof out): Promise<SessionStore> => {
    if (kind === 'memory') return memoryStore({ quiet: true })
    let up = () => {}
    const ready = new Promise<void>((resolve) => (up = resolve))
    const nearCache = { onEvent: (e: NearCacheEvent) => e.type === 'up' && up() }
    const store =
      kind === 'redis-nc'
        ? redisStore({ url: urls.redis, keyPrefix: prefixes.redis, nearCache })
        : postgresStore({
            connectionString: urls.postgres,
            tablePrefix: prefixes.postgres,
            nearCache,
          })
    await ready
    return store
  }
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const kind of Object.keys(out) as Array<keyof typeof out>) {
        const store = await open(kind)
        const sessions = createSessions({ store })
        const cookies: string[] = []
        for (let i = 0; i < 100; i++) {
          const s = await sessions.load({})
          s.set('user', { id: `u${i}`, name: 'alice' })
          await s.regenerate({ userId: `u${i}`, authenticated: true })
          await s.commit()
          cookies.push(s.setCookie!.split(';')[0]!)
        }
        const run = async (n: number) => {
          for (let i = 0; i < n; i++) {
            const s = sessions.open({ cookie: cookies[i % cookies.length]! })
            if (!(s instanceof Promise ? await s : s).exists) throw new Error(`${kind}: no session`)
          }
        }
        await run(Math.min(5000, o.opens)) // warm-up: JIT and the cache
        const before = cpuUsage()
        await run(o.opens)
        const used = cpuUsage(before)
        out[kind].push((used.user + used.system) / o.opens)
        await sessions.close()
      }
    }
    return out
  } finally {
    await cleanUp('redis', urls.redis, prefixes.redis)
    await cleanUp('postgres', urls.postgres, prefixes.postgres)
  }
}

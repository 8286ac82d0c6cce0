// One "app process" of the near cache's propagation benchmark (forked by bench/near-cache.ts
// under tsx). It reads the run's sessions at a steady rate (the load, which keeps its cache warm),
// revokes the sessions the parent names, and notes when each revocation's invalidation
// arrives and whether its next read is refused.
import { performance } from 'node:perf_hooks'
import type { SessionStore } from 'tessera-session'
import { postgresStore } from 'tessera-session/stores/postgres'
import { type NearCacheEvent, nearCacheStats, redisStore } from 'tessera-session/stores/redis'

/** Messages from the parent. */
type Command =
  | { type: 'start'; ids: string[] }
  | { type: 'revoke'; n: number; id: string; handle: string }
  | { type: 'finish' }

const now = () => performance.timeOrigin + performance.now()
const kind = process.env.STORE ?? 'redis'
const prefix = process.env.PREFIX ?? 'ncbench:'
const arrived = new Map<string, number>()
let watched = new Set<string>()
let stale = 0
let errors = 0
let reads = 0
let store: SessionStore

let downs = 0
const onEvent = (e: NearCacheEvent) => {
  if (e.type === 'up') process.send?.({ type: 'up' })
  if (e.type === 'down') downs++
  if (e.type !== 'invalidate' || e.source !== 'push' || !watched.has(e.id)) return
  if (arrived.has(e.id)) return
  arrived.set(e.id, now())
  // The next read of a revoked session must be refused.
  store.get(e.id).then(
    (r) => {
      if (r !== null) stale++
    },
    () => errors++,
  )
}

store =
  kind === 'postgres'
    ? postgresStore({
        connectionString: process.env.DATABASE_URL!,
        tablePrefix: prefix,
        sweepIntervalMs: 0,
        nearCache: { onEvent },
      })
    : redisStore({ url: process.env.REDIS_URL!, keyPrefix: prefix, nearCache: { onEvent } })

// The load: READ_RATE reads a second (default 5000), issued every 10 ms, of random sessions.
// Paced rather than a tight loop, so the three processes leave the machine some headroom, as
// app servers under load but not saturated would.
const rate = Number(process.env.READ_RATE ?? 5000)
let timer: NodeJS.Timeout | undefined
const load = (ids: string[]) => {
  timer = setInterval(() => {
    for (let i = 0; i < rate / 100; i++) {
      store.get(ids[Math.floor(Math.random() * ids.length)]!).then(
        () => reads++,
        () => errors++,
      )
    }
  }, 10)
}

process.on('message', async (c: Command) => {
  if (c.type === 'start') {
    watched = new Set(c.ids)
    load(c.ids)
  } else if (c.type === 'revoke') {
    const t0 = now()
    await store.destroyByHandle(c.handle)
    process.send?.({ type: 'revoked', n: c.n, t0, t1: now() })
  } else if (c.type === 'finish') {
    clearInterval(timer)
    const hits = nearCacheStats(store)?.hits ?? 0
    process.send?.({ type: 'result', arrived: [...arrived], stale, errors, reads, hits, downs })
    await store.close()
    process.exit(0)
  }
})

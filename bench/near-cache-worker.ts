// One "app process" of the near cache's propagation benchmark (forked by bench/near-cache.ts
// under tsx). It reads the run's sessions in a loop (the load, which keeps its cache warm),
// revokes the sessions the parent names, and notes when each revocation's invalidation
// arrives and whether its next read is refused.
import { performance } from 'node:perf_hooks'
import type { SessionStore } from 'tessera-session'
import { postgresStore } from 'tessera-session/stores/postgres'
import { type NearCacheEvent, redisStore } from 'tessera-session/stores/redis'

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

const onEvent = (e: NearCacheEvent) => {
  if (e.type === 'up') process.send?.({ type: 'up' })
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

let running = true
const load = async (ids: string[]) => {
  while (running) {
    try {
      await store.get(ids[Math.floor(Math.random() * ids.length)]!)
      reads++
    } catch {
      errors++
    }
    // Yield to I/O now and then: a loop of cache hits would otherwise starve the socket.
    if (reads % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
}

process.on('message', async (c: Command) => {
  if (c.type === 'start') {
    watched = new Set(c.ids)
    for (let i = 0; i < 4; i++) void load(c.ids)
  } else if (c.type === 'revoke') {
    const t0 = now()
    await store.destroyByHandle(c.handle)
    process.send?.({ type: 'revoked', n: c.n, t0, t1: now() })
  } else if (c.type === 'finish') {
    running = false
    process.send?.({ type: 'result', arrived: [...arrived], stale, errors, reads })
    await store.close()
    process.exit(0)
  }
})

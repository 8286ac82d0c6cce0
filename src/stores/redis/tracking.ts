// The near cache's invalidation channel on Redis: server-assisted client-side caching (RESP3
// CLIENT TRACKING) in broadcast mode, one dedicated connection per master.
import type { InvalidationChannel, InvalidationSink } from '../near-cache/channel.js'
import type { PushClient, RedisConn } from './conn.js'

/** How often the masters are compared with the connections that track them, ms. */
const POLL_MS = 1000

/**
 * The name of the tracking connections of the stores with this key prefix.
 *
 * @example
 * clientName('tessera:') // 'tessera-nc:tessera:'
 */
export function clientName(prefix: string): string {
  return `tessera-nc:${prefix.replace(/[^A-Za-z0-9:_.-]/g, '_')}`
}

/** One master's tracking connection. `subscribed` only once BCAST is on for this connection. */
interface Tracker {
  client: PushClient | null
  subscribed: boolean
  closed: boolean
}

/**
 * Invalidations of the session keys under `prefix`, pushed by Redis.
 *
 * Broadcast mode (`CLIENT TRACKING ON BCAST PREFIX <prefix>s:{`), not default mode: default
 * mode tracks the keys a connection reads, so it would have to run on the connections that
 * serve reads (in RESP3, which node-redis decodes slower) and make Redis keep a table of every
 * key every app connection read. Broadcast tells every subscriber about every write of a
 * session key, whoever made it (a script, another app, `redis-cli`), from each master for its
 * own slots, with no table.
 *
 * The channel is up only while every current master has a subscribed connection. Any
 * connection's error, reconnect or end takes it down (the cache empties); a new master (a
 * failover, a resharding) found by the topology poll takes it down until it is subscribed too.
 *
 * @example
 * const channel = redisTracking(standaloneConn({ url }), 'tessera:')
 */
export function redisTracking(
  conn: RedisConn,
  prefix: string,
  onError?: (error: unknown) => void,
): InvalidationChannel {
  const keyPrefix = `${prefix}s:{`
  const trackers = new Map<string, Tracker>()
  let sink: InvalidationSink | null = null
  let up = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let lastError: unknown = new Error('Redis tracking is not subscribed yet')

  const settle = (error?: unknown) => {
    if (error !== undefined) lastError = error
    const all = trackers.size > 0 && [...trackers.values()].every((t) => t.subscribed)
    if (stopped || all === up) return
    up = all
    if (all) sink?.up()
    else sink?.down(lastError)
  }

  const onKey = (key: unknown) => {
    if (key === null) return sink?.invalidateAll()
    const text = typeof key === 'string' ? key : String(key)
    if (text.startsWith(keyPrefix) && text.endsWith('}'))
      sink?.invalidate(text.slice(keyPrefix.length, -1))
  }

  const lost = (tracker: Tracker) => (error?: unknown) => {
    tracker.subscribed = false
    settle(error ?? new Error('Redis tracking connection lost'))
  }

  const subscribe = async (tracker: Tracker, client: PushClient) => {
    try {
      // node-redis turns default-mode tracking on at every handshake; broadcast needs it off first.
      await client.sendCommand(['CLIENT', 'TRACKING', 'OFF'])
      await client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', keyPrefix])
      // Named after the prefix, so an operator can tell these connections apart in CLIENT LIST.
      await client.sendCommand(['CLIENT', 'SETNAME', clientName(prefix)])
      if (tracker.closed) return
      tracker.subscribed = true
      settle()
    } catch (error) {
      lost(tracker)(error)
    }
  }

  const open = async (address: string, target: { open(): Promise<PushClient> }) => {
    const tracker: Tracker = { client: null, subscribed: false, closed: false }
    trackers.set(address, tracker)
    settle()
    try {
      const client = await target.open()
      tracker.client = client
      if (tracker.closed) return client.destroy()
      const down = lost(tracker)
      client.on('invalidate', onKey as (...args: never[]) => void)
      client.on('ready', (() => void subscribe(tracker, client)) as () => void)
      client.on('error', ((e: unknown) => {
        onError?.(e)
        down(e)
      }) as (...args: never[]) => void)
      client.on('reconnecting', down as () => void)
      client.on('end', down as () => void)
      // The client keeps reconnecting by itself; every 'ready' subscribes again.
      await client.connect()
    } catch (error) {
      onError?.(error)
      if (trackers.get(address) === tracker) trackers.delete(address)
      settle(error)
    }
  }

  const close = (address: string) => {
    const tracker = trackers.get(address)
    if (!tracker) return
    trackers.delete(address)
    tracker.closed = true
    tracker.subscribed = false
    try {
      tracker.client?.destroy()
    } catch {
      // Already closed.
    }
  }

  const refresh = async () => {
    try {
      const targets = await conn.trackingTargets()
      if (stopped) return
      const current = new Set(targets.map((t) => t.address))
      for (const address of [...trackers.keys()]) if (!current.has(address)) close(address)
      for (const t of targets) if (!trackers.has(t.address)) void open(t.address, t)
      settle()
    } catch (error) {
      settle(error)
    }
  }

  return {
    start(s) {
      sink = s
      void refresh()
      // A Cluster's masters change on failover; a connection that could not be opened is
      // opened again by the next round on either topology.
      timer = setInterval(() => void refresh(), POLL_MS).unref()
    },
    async close() {
      stopped = true
      clearInterval(timer)
      for (const address of [...trackers.keys()]) close(address)
    },
  }
}

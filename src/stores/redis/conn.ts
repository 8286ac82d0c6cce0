import { requireOptional } from '../../internal/optional.js'
import type { Script } from './lua.js'
import { Watchdog } from './watchdog.js'

const { createClient, createCluster } = requireOptional<typeof import('redis')>(
  'redis',
  'redisStore (tessera-session/stores/redis)',
)

/** The subset of a node-redis v5 client the store uses (`createClient()` satisfies it). */
export interface RedisClientLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  sendCommand(args: ReadonlyArray<string>, options?: { timeout?: number }): Promise<unknown>
  close(): Promise<void>
  destroy(): void
}

/** The subset of a node-redis v5 cluster client the store uses (`createCluster()` satisfies it). */
export interface RedisClusterLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: { timeout?: number },
  ): Promise<unknown>
  readonly masters: ReadonlyArray<unknown>
  nodeClient(node: never): Promise<{ sendCommand(args: ReadonlyArray<string>): Promise<unknown> }>
  close(): Promise<void>
  destroy(): void
}

/** Connection settings shared by both topologies. */
export interface ConnOptions {
  /** A command (or the first connection) taking longer fails with ERR_STORE_UNAVAILABLE. Default 2000 ms. */
  commandTimeoutMs?: number
  /** Receives connection errors (the client reconnects by itself). Default: ignored. */
  onError?: (error: unknown) => void
}

/**
 * One way to reach Redis, whatever the topology: a command goes to the node that owns its
 * first key. Every failure becomes `ERR_STORE_UNAVAILABLE`.
 */
export interface RedisConn {
  /** True on standalone Redis, where one script may touch keys of any slot. */
  readonly singleNode: boolean
  send(key: string | undefined, args: string[]): Promise<unknown>
  /** {@link send}, resolving with `map(reply, arg)`: the hot path's read, without an async frame. */
  read<R>(
    key: string,
    args: string[],
    map: (reply: unknown, arg: string) => R | Promise<R>,
    arg: string,
  ): Promise<R>
  ping(): Promise<void>
  close(): Promise<void>
  /** The masters now, each with a way to open a dedicated RESP3 client to it (near cache). */
  trackingTargets(): Promise<TrackingTarget[]>
}

/** One master of a {@link RedisConn}, for invalidation pushes: see tracking.ts. */
export interface TrackingTarget {
  readonly address: string
  open(): Promise<PushClient>
}

/** The subset of a node-redis v5 RESP3 client with `emitInvalidate` that tracking uses. */
export interface PushClient {
  on(event: string, listener: (...args: never[]) => void): unknown
  connect(): Promise<unknown>
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>
  destroy(): void
}

// A copy of a client's settings that receives invalidation pushes (RESP3 is required for them).
// (A client of yours with node-redis's own clientSideCache would refuse emitInvalidate.)
const PUSH = {
  RESP: 3,
  emitInvalidate: true,
  clientSideCache: undefined,
  maintNotifications: 'disabled',
} as const
const duplicate = (client: unknown): PushClient =>
  (client as { duplicate(o: typeof PUSH): PushClient }).duplicate(PUSH)

// Offline queue off: while Redis is unreachable, commands fail at once instead of piling up
// (fail closed, quickly). The client keeps reconnecting in the background, backing off to 2 s.
// A server that hangs with the connection open is caught twice: each call has a deadline (see
// watchdog.ts; the caller gets a 503 quickly), and an idle socket whose keep-alive PING gets no
// reply is closed and reconnected after `socketTimeout`.
const clientDefaults = (timeoutMs: number) => {
  const socketTimeout = Math.max(1000, 3 * timeoutMs)
  return {
    disableOfflineQueue: true,
    pingInterval: Math.floor(socketTimeout / 3),
    socket: {
      connectTimeout: timeoutMs,
      socketTimeout,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  }
}

/**
 * A standalone connection, from a URL (the store owns and closes the client) or a client you
 * created (you own it; it should have `disableOfflineQueue: true`).
 *
 * @example
 * const conn = standaloneConn({ url: 'redis://127.0.0.1:6379' })
 */
export function standaloneConn(
  o: ConnOptions & { url?: string; client?: RedisClientLike },
): RedisConn {
  const timeout = o.commandTimeoutMs ?? 2000
  const owned = o.client === undefined
  const client: RedisClientLike =
    o.client ??
    createClient({ url: o.url, ...clientDefaults(timeout) }).on('error', (e: unknown) =>
      o.onError?.(e),
    )
  // With a reconnect strategy that never gives up, connect() settles only once connected.
  // Until then commands wait for it (bounded); afterwards an outage fails them at once.
  let ready: Promise<unknown> | null = null
  if (!client.isOpen) {
    ready = client.connect().then(
      () => {
        ready = null
      },
      (e: unknown) => {
        ready = null
        o.onError?.(e)
      },
    )
  }
  const watchdog = new Watchdog(timeout)
  const command = (args: ReadonlyArray<string>) =>
    ready ? ready.then(() => client.sendCommand(args)) : client.sendCommand(args)
  const send = (args: ReadonlyArray<string>) => watchdog.guard(command(args))
  return {
    singleNode: true,
    send: (_key, args) => send(args),
    read: (_key, args, map, arg) => watchdog.guard(command(args), map, arg),
    ping: async () => void (await send(['PING'])),
    trackingTargets: async () => [{ address: 'standalone', open: async () => duplicate(client) }],
    close: async () => {
      watchdog.close()
      // A graceful close waits for pending replies; an unreachable server gets a hard one.
      if (owned && client.isOpen)
        await withTimeout(client.close(), timeout).catch(() => client.destroy())
    },
  }
}

/**
 * A Redis Cluster connection from seed node URLs or a cluster client you created. The
 * topology is discovered on first use (and again after a failed attempt).
 *
 * @example
 * const conn = clusterConn({ nodes: ['redis://127.0.0.1:7000'] })
 */
export function clusterConn(
  o: ConnOptions & { nodes?: string[]; cluster?: RedisClusterLike },
): RedisConn {
  const timeout = o.commandTimeoutMs ?? 2000
  const owned = o.cluster === undefined
  const cluster: RedisClusterLike =
    o.cluster ??
    createCluster({
      rootNodes: (o.nodes ?? []).map((url) => ({ url })),
      defaults: clientDefaults(timeout),
    }).on('error', (e: unknown) => o.onError?.(e))
  // The topology is discovered once; node clients then reconnect (and rediscover) by themselves.
  let connected = cluster.isOpen
  let ready: Promise<unknown> | null = null
  const connect = (): Promise<unknown> => {
    ready ??= cluster.connect().then(
      () => {
        connected = true
      },
      (e: unknown) => {
        ready = null
        throw e
      },
    )
    return ready
  }
  const watchdog = new Watchdog(timeout)
  const command = (key: string | undefined, args: string[]) =>
    connected
      ? cluster.sendCommand(key, false, args)
      : connect().then(() => cluster.sendCommand(key, false, args))
  return {
    singleNode: false,
    send: (key, args) => watchdog.guard(command(key, args)),
    read: (key, args, map, arg) => watchdog.guard(command(key, args), map, arg),
    ping: () =>
      watchdog.guard(
        (connected ? Promise.resolve() : connect()).then(async () => {
          // Every master, so that /healthz notices a third of the sessions being unreachable.
          const clients = await Promise.all(
            cluster.masters.map((m) => cluster.nodeClient(m as never)),
          )
          await Promise.all(clients.map((c) => c.sendCommand(['PING'])))
        }),
      ),
    trackingTargets: async () => {
      if (!connected) await connect()
      return cluster.masters.map((m) => ({
        address: (m as { address: string }).address,
        open: async () => duplicate(await cluster.nodeClient(m as never)),
      }))
    },
    close: async () => {
      watchdog.close()
      if (!owned || !connected) return
      await withTimeout(cluster.close(), timeout).catch(() => cluster.destroy())
    },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timedOut]).finally(() => clearTimeout(timer))
}

/**
 * Runs a script by SHA (EVALSHA), loading it on the node that lacks it (NOSCRIPT → EVAL).
 * All keys must share one hash slot unless `conn.singleNode`.
 *
 * @example
 * await runScript(conn, WRITE, [k.session(id)], [String(deadline), ...fields])
 */
export async function runScript(
  conn: RedisConn,
  script: Script,
  keys: string[],
  argv: string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...argv]
  try {
    return await conn.send(keys[0], ['EVALSHA', script.SHA1, ...tail])
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    if (!(cause instanceof Error) || !cause.message.startsWith('NOSCRIPT')) throw error
    return conn.send(keys[0], ['EVAL', String(script.SCRIPT), ...tail])
  }
}

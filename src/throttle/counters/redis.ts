import { configAssert, storeUnavailable } from '../../core/errors.js'
import { BACKOFF_MAX_SHIFT, type Budget } from '../budget.js'
import type { AttemptCounters, TakeResult } from '../counters.js'
import { assertKnownKeys } from '../../internal/strict.js'

/** The part of a node-redis v5 client (`createClient()`) the counters use. */
export interface RedisCommandClient {
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>
}

/** The part of a node-redis v5 cluster client (`createCluster()`) the counters use. */
export interface RedisClusterCommandClient {
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>
}

// One key per script, so each is atomic on a Cluster too (one key is one slot). The instants
// are the caller's (ARGV), like every other backend; PEXPIRE only cleans up behind them.
// A hash: c = tries counted, l = last counted try, e = when it is forgotten (ms).
const TAKE = `
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'c', 'l', 'e')
local c, l, e = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
if e <= now then c = 0 end
local free = tonumber(ARGV[3])
if c >= free then
  local wait = math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * 2 ^ math.min(c - free, ${BACKOFF_MAX_SHIFT}))
  if now < l + wait then return {0, c, l + wait - now} end
end
redis.call('HSET', KEYS[1], 'c', c + 1, 'l', ARGV[1], 'e', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, c + 1, 0}`

const REFUND = `
local v = redis.call('HMGET', KEYS[1], 'c', 'e')
local c, e = tonumber(v[1]) or 0, tonumber(v[2]) or 0
if c > 0 and e > tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'c', c - 1) end
return 0`

type Send = (key: string, args: string[]) => Promise<unknown>

/**
 * Attempt counters on standalone Redis, from the node-redis client your session store uses
 * (or another on the same server). Each try is one Lua script on one key. The client stays
 * yours to close.
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const throttle = loginThrottle({ counters: redisCounters(client), deviceCookie: { secret } })
 */
export function redisCounters(
  client: RedisCommandClient,
  options: RedisCountersOptions = {},
): AttemptCounters {
  configAssert(
    client !== null && typeof client?.sendCommand === 'function',
    'redisCounters needs a node-redis client (createClient())',
  )
  return scriptCounters((_key, args) => client.sendCommand(args), options)
}

/**
 * {@link redisCounters} on a Redis Cluster, from a node-redis cluster client
 * (`createCluster()`). Every command names one key, so each counter lives in one slot.
 *
 * @example
 * const cluster = await createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }).connect()
 * const throttle = loginThrottle({ counters: redisClusterCounters(cluster), deviceCookie: { secret } })
 */
export function redisClusterCounters(
  cluster: RedisClusterCommandClient,
  options: RedisCountersOptions = {},
): AttemptCounters {
  configAssert(
    cluster !== null && typeof cluster?.sendCommand === 'function',
    'redisClusterCounters needs a node-redis cluster client (createCluster())',
  )
  return scriptCounters((key, args) => cluster.sendCommand(key, false, args), options)
}

/** Options of {@link redisCounters} and {@link redisClusterCounters}. */
export interface RedisCountersOptions {
  /** Prefix of every counter key. Default `tessera:throttle:`. */
  prefix?: string
}

function scriptCounters(send: Send, options: RedisCountersOptions): AttemptCounters {
  assertKnownKeys(options, ['prefix'], 'redisCounters()')
  const prefix = options.prefix ?? 'tessera:throttle:'
  configAssert(
    typeof prefix === 'string' && prefix.length <= 100,
    'redis counters prefix must be a string of at most 100 characters',
  )
  const call = async (key: string, args: string[]) => {
    try {
      return await send(key, args)
    } catch (error) {
      throw storeUnavailable(error)
    }
  }
  const script = (lua: string, key: string, argv: Array<string | number>) =>
    call(key, ['EVAL', lua, '1', key, ...argv.map(String)])
  return {
    async take(key: string, b: Budget, now: number): Promise<TakeResult> {
      const k = prefix + key
      const argv = [now, b.windowMs, b.attempts, b.backoffMs, b.maxBackoffMs]
      const [ok, count, wait] = (await script(TAKE, k, argv)) as [number, number, number]
      return { ok: ok === 1, count, retryAfterMs: ok === 1 ? 0 : Math.max(1, wait) }
    },
    async refund(key: string, now: number): Promise<void> {
      await script(REFUND, prefix + key, [now])
    },
    async clear(key: string): Promise<void> {
      await call(prefix + key, ['DEL', prefix + key])
    },
    async mark(key: string, ttlMs: number, now: number): Promise<void> {
      // The value is the caller's deadline; PX only cleans up behind it.
      await call(prefix + key, ['SET', prefix + key, String(now + ttlMs), 'PX', String(ttlMs)])
    },
    async marked(key: string, now: number): Promise<boolean> {
      const until = await call(prefix + key, ['GET', prefix + key])
      return typeof until === 'string' && Number(until) > now
    },
    close: async () => {},
  }
}

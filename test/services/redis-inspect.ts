import { createClient, createCluster } from 'redis'

/** Raw access to a Redis deployment, to look at what a store wrote. */
export interface RedisInspector {
  /** Runs one command on the node owning `key`. */
  send(key: string, args: string[]): Promise<unknown>
  /** Every key under `prefix` on every node, with a readable dump of its value. */
  dump(prefix: string): Promise<Map<string, string>>
  /** Deletes every key under `prefix` on every node. */
  clear(prefix: string): Promise<void>
  /** Number of keys under `prefix`, per node. */
  countPerNode(prefix: string): Promise<number[]>
  close(): Promise<void>
}

type Node = ReturnType<typeof createClient>

async function scan(node: Node, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const reply = (await node.sendCommand([
      'SCAN',
      cursor,
      'MATCH',
      `${prefix}*`,
      'COUNT',
      '1000',
    ])) as [string, string[]]
    cursor = reply[0]
    keys.push(...reply[1])
  } while (cursor !== '0')
  return keys
}

async function show(node: Node, key: string): Promise<string> {
  const type = String(await node.sendCommand(['TYPE', key]))
  const read: Record<string, string[]> = {
    hash: ['HGETALL', key],
    zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
    string: ['GET', key],
    set: ['SMEMBERS', key],
    list: ['LRANGE', key, '0', '-1'],
  }
  const args = read[type]
  return args ? `${type} ${JSON.stringify(await node.sendCommand(args))}` : type
}

/**
 * An inspector over standalone Redis (`nodes` = one URL) or a cluster (`nodes` = every
 * master's URL, `cluster` = true).
 *
 * @example
 * const redis = await inspectRedis(['redis://127.0.0.1:6379'])
 * const dump = await redis.dump('tessera:')
 */
export async function inspectRedis(nodes: string[], cluster = false): Promise<RedisInspector> {
  const clients: Node[] = await Promise.all(nodes.map((url) => createClient({ url }).connect()))
  const router = cluster
    ? await createCluster({ rootNodes: nodes.map((url) => ({ url })) }).connect()
    : null
  return {
    send: (key, args) =>
      router ? router.sendCommand(key, false, args) : clients[0]!.sendCommand(args),
    async dump(prefix) {
      const out = new Map<string, string>()
      for (const node of clients)
        for (const key of await scan(node, prefix)) out.set(key, await show(node, key))
      return out
    },
    async clear(prefix) {
      for (const node of clients)
        for (const key of await scan(node, prefix)) await node.sendCommand(['DEL', key])
    },
    countPerNode: (prefix) => Promise.all(clients.map(async (n) => (await scan(n, prefix)).length)),
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      await router?.close()
    },
  }
}

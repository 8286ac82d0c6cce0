import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, type RedisProcess, redisCli, startRedisServer, until } from './redis-server.js'

const run = promisify(execFile)

/** A three-master Redis Cluster started from the `redis-server` binary. */
export interface RedisCluster {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`, as `STORE_URL` takes it. */
  url: string
  ports: number[]
  /** The node processes, by port order. */
  nodes: RedisProcess[]
  /** Starts node `i` again (after a stop) on its port, with its cluster config file. */
  restart(i: number): Promise<void>
  /** Stops every node by pid and removes the temporary directory. */
  stop(): Promise<void>
}

/**
 * Starts three masters on free ports, joins them with `redis-cli --cluster create` and waits
 * (bounded) until every node reports `cluster_state:ok`. Nothing is written to disk but the
 * nodes' cluster config files, in a temporary directory removed by `stop`.
 *
 * @example
 * const cluster = await startRedisCluster()
 * process.env.REDIS_CLUSTER_URL = cluster.url
 * await cluster.stop()
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-redis-cluster-'))
  const nodes: RedisProcess[] = []
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await rm(dir, { recursive: true, force: true })
  }
  const startNode = (port: number) =>
    startRedisServer({
      port,
      dir,
      extra: [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ],
    })
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(await freePort()))
    const ports = nodes.map((n) => n.port)
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    for (const port of ports) {
      await until(
        async () => (await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok'),
        20_000,
        `cluster_state:ok on ${port}`,
      )
    }
    return {
      url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports,
      nodes,
      async restart(i) {
        nodes[i] = await startNode(ports[i]!)
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Seed node URLs from `redis-cluster://h1:p1,h2:p2` (the `STORE_URL` form).
 *
 * @example
 * clusterNodes('redis-cluster://127.0.0.1:7000') // ['redis://127.0.0.1:7000']
 */
export function clusterNodes(url: string): string[] {
  return url
    .slice('redis-cluster://'.length)
    .split(',')
    .filter(Boolean)
    .map((hp) => `redis://${hp}`)
}

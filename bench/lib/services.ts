import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A redis-server the harness started (and alone uses, so its counters are ours). */
export interface RedisNode {
  port: number
  pid: number
  child: ChildProcess
}

/** The Redis services of a benchmark run. */
export interface RedisServices {
  standalone: RedisNode | null
  cluster: RedisNode[] | null
  /** Stops every process started here, by pid, and removes their files. */
  stop(): Promise<void>
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** A free port whose cluster-bus twin (port + 10000) is free too. */
async function freePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 21000 + Math.floor(Math.random() * 20000)
    if (taken.has(port)) continue
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      taken.add(port)
      return port
    }
  }
  throw new Error('no free port for redis-server')
}

/** `redis-cli -p <port> <args…>` output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])
  return stdout
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function startNode(port: number, dir: string, cluster: boolean): Promise<RedisNode> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  args.push('--dir', dir, '--logfile', join(dir, `redis-${port}.log`))
  if (cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`)
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  await waitFor(async () => (await redisCli(port, 'ping')).trim() === 'PONG', `redis :${port}`)
  return { port, pid: child.pid!, child }
}

async function stopNode(node: RedisNode): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return
  const exited = once(node.child, 'exit')
  node.child.kill('SIGTERM')
  await exited
}

/** True when the `redis-server` binary can be run. */
export async function haveRedisServer(): Promise<boolean> {
  return run('redis-server', ['--version']).then(
    () => true,
    () => false,
  )
}

/**
 * Starts a private standalone redis-server and, if asked, a three-master Redis Cluster
 * (`redis-cli --cluster create`), on free loopback ports with no persistence. Private
 * servers keep other people's traffic out of the `INFO commandstats` deltas.
 *
 * @example
 * const redis = await startRedisServices({ standalone: true, cluster: true })
 * try { … } finally { await redis.stop() }
 */
export async function startRedisServices(want: {
  standalone: boolean
  cluster: boolean
}): Promise<RedisServices> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-redis-'))
  const taken = new Set<number>()
  const started: RedisNode[] = []
  const stop = async () => {
    await Promise.all(started.map(stopNode))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    let standalone: RedisNode | null = null
    let cluster: RedisNode[] | null = null
    if (want.standalone) {
      standalone = await startNode(await freePort(taken), dir, false)
      started.push(standalone)
    }
    if (want.cluster) {
      cluster = []
      for (let i = 0; i < 3; i++) {
        const node = await startNode(await freePort(taken), dir, true)
        started.push(node)
        cluster.push(node)
      }
      const addrs = cluster.map((n) => `127.0.0.1:${n.port}`)
      await run('redis-cli', [
        '--cluster',
        'create',
        ...addrs,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ])
      for (const n of cluster) {
        await waitFor(
          async () => (await redisCli(n.port, 'cluster', 'info')).includes('cluster_state:ok'),
          `cluster state ok on :${n.port}`,
        )
      }
    }
    return { standalone, cluster, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Calls per command from `INFO commandstats` (e.g. `{ get: 120, evalsha: 3 }`). */
export async function commandStats(port: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const line of (await redisCli(port, 'info', 'commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (m) out[m[1]!] = Number(m[2])
  }
  return out
}

/** Sum of {@link commandStats} over several servers (a cluster). */
export async function clusterCommandStats(ports: number[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {}
  for (const stats of await Promise.all(ports.map(commandStats))) {
    for (const [k, v] of Object.entries(stats)) total[k] = (total[k] ?? 0) + v
  }
  return total
}

/** Per-command difference `after - before`, divided by `per`, without zero entries. */
export function statsDelta(
  before: Record<string, number>,
  after: Record<string, number>,
  per: number,
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0)
    // INFO itself is our own sampling, not the server under test.
    if (d > 0 && k !== 'info' && k !== 'ping') out[k] = d / per
  }
  return out
}

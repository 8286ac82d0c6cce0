import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A `redis-server` this test run started itself (never the shared one on 6379). */
export interface RedisProcess {
  port: number
  pid: number
  /** Kills the server by pid (SIGTERM, then SIGKILL) and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * True when the `redis-server` and `redis-cli` binaries are on PATH.
 *
 * @example
 * if (!haveRedisBinaries()) console.warn('redis-server missing: suite skipped')
 */
export function haveRedisBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every(
    (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0,
  )
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

// Ports whose bus twin (port + 10000) lies below the ephemeral range too (Linux default from
// 32768): a cluster node restarted on its port (cluster-fault.test.ts) binds both again, and
// any outgoing connection on the machine may take an ephemeral port while the node is down.
function portSpan(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    )
    const span = low - 30_000
    return Number.isInteger(span) && span >= 1000 ? Math.min(span, 10_000) : 10_000
  } catch {
    return 10_000
  }
}

/**
 * A free TCP port on 127.0.0.1 whose cluster-bus twin (port + 10000) is free too, both below
 * the ephemeral range when it starts at 31000 or above.
 *
 * @example
 * const port = await freePort()
 */
export async function freePort(): Promise<number> {
  const span = portSpan()
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * span)
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port
  }
  throw new Error('no free port pair found for redis-server')
}

/**
 * Runs `redis-cli` against a local port and returns its output.
 *
 * @example
 * await redisCli(port, 'cluster', 'info')
 */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  })
  return stdout
}

/**
 * Polls `check` until it returns true, at most `timeoutMs`.
 *
 * @example
 * await until(() => redisCli(port, 'ping').then((o) => o.includes('PONG')), 5000, 'ping')
 */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` with nothing on disk unless `extra` says so, and
 * waits until it answers PING.
 *
 * @example
 * const redis = await startRedisServer({ port: await freePort(), dir: tmp })
 * await redis.stop()
 */
export async function startRedisServer(options: {
  port: number
  dir: string
  extra?: string[]
}): Promise<RedisProcess> {
  const { port, dir } = options
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...(options.extra ?? []),
  ]
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pid = child.pid
  if (pid === undefined) throw new Error('redis-server did not start')
  await until(
    async () => (await redisCli(port, 'ping')).includes('PONG'),
    10_000,
    `redis-server on ${port}`,
  )
  return {
    port,
    pid,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      process.kill(pid, signal)
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
      }, 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

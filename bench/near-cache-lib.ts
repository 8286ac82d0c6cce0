// Helpers of the near cache benchmarks: child processes under tsx, a closed-loop HTTP load,
// percentiles, and a run's clean-up on Redis and PostgreSQL.
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SessionRecord } from 'tessera-session'
import { generateHandle, generateToken, hashToken } from 'tessera-session/testing'

export const HERE = dirname(fileURLToPath(import.meta.url))
// `node --import tsx`, not the tsx CLI: the CLI runs the script in a child of its own, and the
// CPU measured must be the server's.
const TSX = ['--import', 'tsx']

/** CPU time (user + system) of a process so far, µs, from /proc (ticks of 10 ms). */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000
}

/** Starts `file` under tsx with `env`; resolves with the child and its READY line's words. */
export function startChild(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; words: string[] }> {
  const child = spawn(process.execPath, [...TSX, join(HERE, file)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('READY '))
      if (line) resolve({ child, words: line.slice(6).split(' ') })
    })
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before READY`)))
  })
}

/** Forks `file` under tsx with an IPC channel. */
export function forkChild(file: string, env: Record<string, string>): ChildProcess {
  return fork(join(HERE, file), [], {
    execArgv: TSX,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

/** Stops a child by its pid (SIGTERM) and waits for it to exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/**
 * A closed loop of `connections` keep-alive clients sending GET `path` with a cookie picked at
 * random, for `ms`; resolves with the 2xx answers and the others.
 */
export async function load(
  port: number,
  path: string,
  cookies: string[],
  connections: number,
  ms: number,
): Promise<{ ok: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const until = Date.now() + ms
  let ok = 0
  let failed = 0
  const once = () =>
    new Promise<void>((resolve) => {
      const cookie = cookies[Math.floor(Math.random() * cookies.length)]!
      const req = request({ agent, host: '127.0.0.1', port, path, headers: { cookie } }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode === 200) ok++
          else failed++
          resolve()
        })
      })
      req.on('error', () => {
        failed++
        resolve()
      })
      req.end()
    })
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) await once()
    }),
  )
  agent.destroy()
  return { ok, failed }
}

/** The `q` quantile (0..1) of `values`, by nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN
}

/** A signed-in record of user `userId` with live deadlines. */
export function benchRecord(userId: string): SessionRecord {
  const now = Date.now()
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId,
    data: { user: { id: userId, name: 'alice' } },
    createdAt: now,
    lastSeenAt: now,
    renewedAt: now,
    authenticatedAt: now,
    idleExpiresAt: now + 3_600_000,
    absoluteExpiresAt: now + 7_200_000,
    meta: {},
    version: 1,
  }
}

/** A key or table prefix of its own for one run. */
export const runPrefix = (kind: 'redis' | 'postgres') =>
  kind === 'redis'
    ? `ncbench:${randomBytes(4).toString('hex')}:`
    : `ncbench_${randomBytes(4).toString('hex')}_`

/** Removes a run's keys (Redis) or tables and trigger function (PostgreSQL). */
export async function cleanUp(kind: 'redis' | 'postgres', url: string, prefix: string) {
  if (kind === 'redis') {
    const { createClient } = await import('redis')
    const client = await createClient({ url }).connect()
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
      if (keys.length > 0) await client.del(keys)
    await client.close()
    return
  }
  const pg = (await import('pg')).default
  const client = new pg.Client(url)
  await client.connect()
  for (const t of ['session_aliases', 'sessions', 'schema_version'])
    await client.query(`DROP TABLE IF EXISTS "public"."${prefix}${t}" CASCADE`)
  await client.query(`DROP FUNCTION IF EXISTS "public"."${prefix}sessions_notify"()`)
  await client.end()
}

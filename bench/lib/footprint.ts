import { spawn } from 'node:child_process'
import pg from 'pg'
import { serverScript } from './build.js'
import type { CaseDef } from './cases.js'
import { call } from './http.js'
import type { Env } from './measure.js'
import { redisCli } from './services.js'
import { startServer } from './spawn.js'

/** Storage used per session by one store. */
export interface Footprint {
  case: string
  label: string
  sessions: number
  /** Redis keys, or PostgreSQL tables, that were measured. */
  objects: number
  bytesPerSession: number
  how: string
}

/** Sends many commands through one `redis-cli` (one reply per line). */
function cliBatch(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port)])
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('error', reject)
    child.on('exit', () => resolve(out.split('\n').filter(Boolean)))
    child.stdin.end(`${commands.join('\n')}\n`)
  })
}

async function redisBytes(port: number, pattern: string): Promise<{ keys: number; bytes: number }> {
  const keys = (await redisCli(port, '--scan', '--pattern', pattern)).split('\n').filter(Boolean)
  // Keys come from our own servers (base64url ids, prefixes): no spaces or quotes to escape.
  const sizes = await cliBatch(
    port,
    keys.map((k) => `MEMORY USAGE ${k}`),
  )
  return { keys: keys.length, bytes: sizes.reduce((a, s) => a + (Number(s) || 0), 0) }
}

async function postgresBytes(
  env: Env,
  tablePrefix: string,
): Promise<{ rows: number; bytes: number }> {
  const client = new pg.Client({ connectionString: env.postgresUrl ?? '' })
  await client.connect()
  try {
    const r = await client.query<{ bytes: string; tables: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes, count(*)::text AS tables
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE $2`,
      [env.postgresSchema, `${tablePrefix}%`],
    )
    return { rows: Number(r.rows[0]?.tables ?? 0), bytes: Number(r.rows[0]?.bytes ?? 0) }
  } finally {
    await client.end()
  }
}

/**
 * Creates `sessions` sessions through a login case's server (5 per user, under the cap) and
 * measures what they occupy: Redis `MEMORY USAGE` summed over every key of the run's prefix
 * (session hashes and per-user indexes), or PostgreSQL `pg_total_relation_size` of the run's
 * tables (heap, indexes, TOAST). Returns null for other stores.
 *
 * @example
 * const f = await footprint(loginRedisCase, env, 1000)
 */
export async function footprint(
  def: CaseDef,
  env: Env,
  sessions: number,
): Promise<Footprint | null> {
  const store = def.env?.STORE ?? 'memory'
  const redisPort = store === 'redis' ? env.redisPort : null
  if (store !== 'postgres' && store !== 'redis') return null
  const server = await startServer({
    file: serverScript(env.benchDir, def.server, env.runtime),
    env: {
      ...def.env,
      BENCH_TMP: env.tmpDir,
      ...(env.redisPort ? { REDIS_URL: `redis://127.0.0.1:${env.redisPort}` } : {}),
      ...(env.postgresUrl
        ? { DATABASE_URL: env.postgresUrl, BENCH_PG_SCHEMA: env.postgresSchema }
        : {}),
    },
  })
  if ('skip' in server) return null
  try {
    for (let i = 0; i < sessions; i++) {
      const r = await call(server.port, { method: 'POST', path: `/login?u=fp${Math.floor(i / 5)}` })
      if (r.status !== 200) throw new Error(`${def.id}: login ${i} answered ${r.status}`)
    }
    if (store === 'redis' && redisPort) {
      // Every bench server prefixes its keys with `bench<pid>:`.
      const { keys, bytes } = await redisBytes(redisPort, `bench${server.pid}:*`)
      return {
        case: def.id,
        label: def.label,
        sessions,
        objects: keys,
        bytesPerSession: bytes / sessions,
        how: `Redis MEMORY USAGE over ${keys} keys`,
      }
    }
    const { rows, bytes } = await postgresBytes(env, `bench${server.pid}_`)
    return {
      case: def.id,
      label: def.label,
      sessions,
      objects: rows,
      bytesPerSession: bytes / sessions,
      how: `pg_total_relation_size over ${rows} tables`,
    }
  } finally {
    await server.stop()
  }
}

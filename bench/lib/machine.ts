import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** What the numbers were measured on. */
export interface MachineInfo {
  date: string
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  openssl: string
  redis: string | null
  postgres: string | null
  versions: Record<string, string>
}

/** Packages whose versions the report lists (resolved from bench/ first, then the root). */
const PACKAGES = [
  'express',
  'fastify',
  'hono',
  '@hono/node-server',
  'express-session',
  'connect-redis',
  '@fastify/session',
  '@fastify/cookie',
  'iron-session',
  'jose',
  'redis',
  'pg',
  'better-sqlite3',
  'autocannon',
  'tsx',
]

function packageVersion(root: string, name: string): string | null {
  for (const dir of [join(root, 'bench', 'node_modules'), join(root, 'node_modules')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
        version?: string
      }
      if (pkg.version) return pkg.version
    } catch {}
  }
  return null
}

/**
 * Machine, runtime and package versions for the report header.
 *
 * @example
 * const info = await machineInfo('/path/to/repo', 'postgres://…')
 */
export async function machineInfo(root: string, pgVersion: string | null): Promise<MachineInfo> {
  const versions: Record<string, string> = {}
  for (const name of PACKAGES) {
    const v = packageVersion(root, name)
    if (v) versions[name] = v
  }
  const redis = await run('redis-server', ['--version']).then(
    (r) => /v=(\S+)/.exec(r.stdout)?.[1] ?? null,
    () => null,
  )
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openssl: process.versions.openssl,
    redis,
    postgres: pgVersion,
    versions,
  }
}

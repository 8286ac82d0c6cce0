import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** How Tessera's TypeScript servers are run. */
export type Runtime = 'build' | 'tsx'

/**
 * Compiles `src/` and the Tessera bench servers with `tsc` (emit only, `noCheck`) into
 * `bench/results/build/`, so the servers run the same plain JavaScript a user gets from
 * `npm run build`. (Under tsx, esbuild's `keepNames` wraps every function created per request
 * in a `__name()` call, which the profile shows; the build has no such cost.)
 *
 * @example
 * await buildServers('/repo/bench', '/repo')
 */
export async function buildServers(benchDir: string, rootDir: string): Promise<void> {
  const tsc = join(rootDir, 'node_modules', 'typescript', 'bin', 'tsc')
  await run(process.execPath, [tsc, '-p', join(benchDir, 'tsconfig.servers.json')], {
    cwd: rootDir,
  }).catch((error: { stdout?: string }) => {
    // With noCheck, tsc only fails on syntax errors or a broken config.
    throw new Error(`building the Tessera bench servers failed:\n${error.stdout ?? error}`)
  })
  const out = join(benchDir, 'results', 'build', 'bench', 'servers')
  mkdirSync(out, { recursive: true })
  copyFileSync(join(benchDir, 'servers', 'serve.mjs'), join(out, 'serve.mjs'))
}

/**
 * The script to start for a server: `.ts` servers run from the build (or as TypeScript under
 * tsx with `runtime: 'tsx'`), JavaScript servers as they are.
 *
 * @example
 * serverScript('/repo/bench', 'tessera/node.ts', 'build') // '/repo/bench/results/build/bench/servers/tessera/node.js'
 */
export function serverScript(benchDir: string, server: string, runtime: Runtime): string {
  if (!server.endsWith('.ts') || runtime === 'tsx') return join(benchDir, 'servers', server)
  return join(benchDir, 'results', 'build', 'bench', 'servers', server.replace(/\.ts$/, '.js'))
}

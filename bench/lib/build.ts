import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { devSourceMap, PACKAGE_NAME } from '../../scripts/self-reference.js'

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
  const build = join(benchDir, 'results', 'build')
  const out = join(build, 'bench', 'servers')
  mkdirSync(out, { recursive: true })
  copyFileSync(join(benchDir, 'servers', 'serve.mjs'), join(out, 'serve.mjs'))
  writeSelfReference(build, rootDir)
}

/**
 * The servers import `tessera-session/…`, and tsc keeps those names in what it emits: a
 * package.json at the build's root gives them the compiled sources, as the published package's
 * `exports` give a user its dist/ (Node resolves a package's own name through the nearest
 * package.json). Derived from tsconfig.json `paths`, the map the sources run under in tsx.
 */
function writeSelfReference(build: string, rootDir: string): void {
  const exports: Record<string, string> = {}
  for (const [name, file] of Object.entries(devSourceMap(rootDir))) {
    const subpath = name === PACKAGE_NAME ? '.' : `./${name.slice(PACKAGE_NAME.length + 1)}`
    exports[subpath] = file.replace(/\.ts$/, '.js')
  }
  const pkg = { name: PACKAGE_NAME, private: true, type: 'module', exports }
  writeFileSync(join(build, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
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

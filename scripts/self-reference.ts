// The app, examples and bench import the library by its published name (`tessera-session/…`).
// package.json `exports` point at dist/ (the build users get); in this repository the same
// names resolve to the sources instead, through `paths` in tsconfig.json (read by tsc and tsx).
// This module reads both maps, so vitest's aliases and the bench build follow tsconfig.json,
// and a test can check that the two maps never drift apart.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The package's name, as users import it. */
export const PACKAGE_NAME = 'tessera-session'

interface PackageJson {
  name: string
  exports: Record<string, string | { types?: string; default?: string }>
}

interface TsConfig {
  compilerOptions?: { paths?: Record<string, string[]> }
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

/**
 * The development mapping from tsconfig.json: import name → source file (relative to `root`,
 * `./src/…/index.ts`), for the package's own names only.
 *
 * @example
 * devSourceMap('/repo')['tessera-session/node'] // './src/adapters/node/index.ts'
 */
export function devSourceMap(root: string): Record<string, string> {
  const paths = readJson<TsConfig>(join(root, 'tsconfig.json')).compilerOptions?.paths ?? {}
  const out: Record<string, string> = {}
  for (const [name, targets] of Object.entries(paths)) {
    if (name !== PACKAGE_NAME && !name.startsWith(`${PACKAGE_NAME}/`)) continue
    if (targets.length !== 1) throw new Error(`tsconfig.json paths: ${name} needs exactly one file`)
    out[name] = targets[0]!
  }
  return out
}

/**
 * The published mapping from package.json `exports`, with each built file turned back into the
 * source it is compiled from (`./dist/x/index.js` → `./src/x/index.ts`). `./package.json` is
 * left out: it is data, not a module.
 *
 * @example
 * exportedSourceMap('/repo')['tessera-session/testing'] // './src/stores/conformance/index.ts'
 */
export function exportedSourceMap(root: string): Record<string, string> {
  const pkg = readJson<PackageJson>(join(root, 'package.json'))
  const out: Record<string, string> = {}
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue
    const built = typeof target === 'string' ? target : target.default
    if (!built?.startsWith('./dist/') || !built.endsWith('.js'))
      throw new Error(`package.json exports["${subpath}"] should point at ./dist/….js`)
    const name = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`
    out[name] = `./src/${built.slice('./dist/'.length, -'.js'.length)}.ts`
  }
  return out
}

/**
 * Vite/vitest aliases for the development mapping: exact names only (`tessera-session` must not
 * swallow `tessera-session/node`), pointing at absolute source files.
 *
 * @example
 * defineConfig({ resolve: { alias: selfReferenceAliases(root) } })
 */
export function selfReferenceAliases(root: string): Array<{ find: RegExp; replacement: string }> {
  return Object.entries(devSourceMap(root)).map(([name, file]) => ({
    find: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
    replacement: join(root, file),
  }))
}

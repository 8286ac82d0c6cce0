// The app, examples and bench import `tessera-session/…`. Published, those names resolve through
// package.json `exports` (dist/); here, through tsconfig.json `paths` (src/, no build needed).
// The two maps are written by hand in two files, so this test keeps them naming the same
// subpaths and the same files. A new subpath goes in both: `exports` (./dist/x/index.js) and
// `paths` ("tessera-session/x": ["./src/x/index.ts"]).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { devSourceMap, exportedSourceMap, PACKAGE_NAME } from '../../scripts/self-reference.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('the package resolves its own name to its sources in development', () => {
  it('tsconfig paths and package.json exports name the same subpaths and the same files', () => {
    expect(devSourceMap(ROOT)).toEqual(exportedSourceMap(ROOT))
  })

  it('each export’s types sit beside its JavaScript (./dist/x/index.d.ts with ./dist/x/index.js)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types?: string; default?: string }>
    }
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(target.types, subpath).toBe(target.default?.replace(/\.js$/, '.d.ts'))
    }
  })

  it('every mapped source file exists', () => {
    const files = Object.values(devSourceMap(ROOT))
    expect(files.length).toBeGreaterThan(10)
    for (const file of files) expect(existsSync(join(ROOT, file)), file).toBe(true)
  })

  it('maps only the package’s own name (no alias for anything else)', () => {
    for (const name of Object.keys(devSourceMap(ROOT)))
      expect(name === PACKAGE_NAME || name.startsWith(`${PACKAGE_NAME}/`)).toBe(true)
  })

  it('under vitest the package name loads the very modules the sources are', async () => {
    const byName = await import('tessera-session/node')
    const bySource = await import('../../src/adapters/node/index.js')
    expect(byName.nodeHandler).toBe(bySource.nodeHandler)
    const root = await import('tessera-session')
    const manager = await import('../../src/core/manager.js')
    expect(root.SessionManager).toBe(manager.SessionManager)
  })
})

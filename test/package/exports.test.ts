// The names every public subpath exports, checked in (exports.snapshot.txt) so that any change
// to the package's surface is a deliberate diff someone reviews: an internal that leaks into an
// index.ts, or a public name that disappears, fails here.
//
// After a deliberate change (a new export, a new subpath in package.json `exports` and
// tsconfig.json `paths`), regenerate the list with:
//
//   npx vitest run test/package/exports.test.ts -u
//
// Values are read at run time (Object.keys of the imported source module); type-only exports
// (interfaces, type aliases, `export type`) come from the TypeScript checker over the same files.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { devSourceMap } from '../../scripts/self-reference.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SUBPATHS = devSourceMap(ROOT)

/** Every export name of each entry file, by the TypeScript checker (values and types). */
function checkerExports(files: Record<string, string>): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT)
  const roots = Object.values(files).map((f) => join(ROOT, f))
  const program = ts.createProgram(roots, { ...options, noEmit: true })
  const checker = program.getTypeChecker()
  const out = new Map<string, string[]>()
  for (const [name, file] of Object.entries(files)) {
    const source = program.getSourceFile(join(ROOT, file))
    const module = source && checker.getSymbolAtLocation(source)
    if (!module) throw new Error(`TypeScript found no module at ${file}`)
    out.set(
      name,
      checker.getExportsOfModule(module).map((s) => s.getName()),
    )
  }
  return out
}

/** The surface as checked-in text: one `subpath: name` line per value, `type name` per type. */
async function surface(): Promise<string> {
  const all = checkerExports(SUBPATHS)
  const lines: string[] = []
  for (const [name, file] of Object.entries(SUBPATHS).sort(([a], [b]) => a.localeCompare(b))) {
    const values = new Set(Object.keys(await import(join(ROOT, file))))
    const types = (all.get(name) ?? []).filter((n) => !values.has(n))
    for (const v of [...values].sort()) lines.push(`${name}: ${v}`)
    for (const t of types.sort()) lines.push(`${name}: type ${t}`)
  }
  return `${lines.join('\n')}\n`
}

describe('the public surface', () => {
  let text = ''
  // One TypeScript program for both cases: building it is the slow part.
  beforeAll(async () => {
    text = await surface()
  }, 120_000)

  it('every subpath exports exactly the names in exports.snapshot.txt', async () => {
    await expect(text).toMatchFileSnapshot('./exports.snapshot.txt')
  })

  it('every subpath exports something, and the root the manager and its error class', () => {
    const lines = text.split('\n')
    for (const name of Object.keys(SUBPATHS))
      expect(lines.some((l) => l.startsWith(`${name}: `))).toBe(true)
    expect(lines).toContain('tessera-session: createSessions')
    expect(lines).toContain('tessera-session: TesseraError')
  })

  it('the root keeps internals out (token hashing, pipeline building, error factories)', () => {
    for (const internal of ['hashToken', 'createPipeline', 'storeUnavailable', 'setOwn'])
      expect(text).not.toMatch(new RegExp(`^tessera-session: (type )?${internal}$`, 'm'))
  })
})

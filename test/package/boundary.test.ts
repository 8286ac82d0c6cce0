// The app, examples and bench are built only on the public entry points: biome.json forbids a
// relative import into src/ from them (noRestrictedImports in an override). This test runs the
// project's own Biome with the project's own configuration (extended, not copied) over probe
// files in a temporary tree, so the shared working tree never sees them.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome')
const dir = mkdtempSync(join(tmpdir(), 'tessera-boundary-'))
writeFileSync(join(dir, 'biome.json'), JSON.stringify({ extends: [join(ROOT, 'biome.json')] }))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Report {
  diagnostics: Array<{ category: string; location: { path: string } }>
}

/** Writes the probe files into the temporary tree and lints them: the paths Biome refused. */
function refused(files: Record<string, string>): Promise<string[]> {
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIOME, 'lint', '--reporter=json', ...Object.keys(files)],
      { cwd: dir },
      (_error, stdout) => {
        // Biome exits non-zero when it reports an error: the JSON on stdout is the answer.
        try {
          const report = JSON.parse(stdout) as Report
          const hits = report.diagnostics
            .filter((d) => d.category === 'lint/style/noRestrictedImports')
            .map((d) => d.location.path)
          resolve([...new Set(hits)].sort())
        } catch {
          reject(new Error(`biome gave no JSON report:\n${stdout}`))
        }
      },
    )
  })
}

describe('the lint rule that keeps the app on the public API', () => {
  it('refuses relative imports into src/ from app/, examples/ and bench/', async () => {
    const files = {
      'app/routes/probe.ts': "import { hashToken } from '../../src/core/token.js'\nhashToken('')\n",
      'examples/probe.ts': "export { csrf } from '../src/csrf/index.js'\n",
      'bench/servers/tessera/probe.ts':
        "const m = await import('../../../src/stores/memory/index.js')\nm.memoryStore()\n",
      'app/probe-root.ts': "import type { Session } from '../src'\nexport type S = Session\n",
    }
    expect(await refused(files)).toEqual(Object.keys(files).sort())
  }, 60_000)

  it('allows the package name, local modules, and tests reaching into src/', async () => {
    const files = {
      'app/ok.ts': "import { nodeHandler } from 'tessera-session/node'\nexport { nodeHandler }\n",
      'app/local.ts': "import { x } from './src/x.js'\nexport { x }\n",
      'test/ok.test.ts': "import { hashToken } from '../src/core/token.js'\nhashToken('')\n",
      'src/core/ok.ts': "import { hashToken } from '../core/token.js'\nhashToken('')\n",
    }
    expect(await refused(files)).toEqual([])
  }, 60_000)
})

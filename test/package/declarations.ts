import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, normalize } from 'node:path'

// Module specifiers a declaration file names: `from '…'`, `import('…')`, `/// <reference types="…" />`.
// Comments are dropped first: TSDoc examples mention `import('pg')` without importing it.
const SPECIFIER = /\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|<reference\s+types="([^"]+)"/g

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/(?!\/).*$/gm, '')
}

/**
 * Every bare module a package's public type files reach: starting from the `types` of each
 * export, following relative imports through the emitted `.d.ts` files. Maps each bare
 * specifier to the first file that names it.
 *
 * @example
 * await publicTypeImports(join(dir, 'node_modules', 'tessera-session')) // { express: 'dist/…' }
 */
export async function publicTypeImports(root: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string }>
  }
  const queue = Object.values(manifest.exports)
    .map((e) => (typeof e === 'string' ? undefined : e.types))
    .filter((t): t is string => t !== undefined)
    .map((t) => normalize(join(root, t)))
  const seen = new Set<string>()
  const bare: Record<string, string> = {}
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file) || !existsSync(file)) continue
    seen.add(file)
    const text = withoutComments(await readFile(file, 'utf8'))
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3]!
      if (spec.startsWith('.')) {
        queue.push(normalize(join(dirname(file), spec.replace(/\.(c|m)?js$/, '.d.$1ts'))))
      } else {
        bare[spec] ??= file.slice(root.length + 1)
      }
    }
  }
  return bare
}

/** The module a specifier belongs to: `pg`, `@types/pg`, `redis/dist/x` → `pg`, `pg`, `redis`. */
export function packageOf(specifier: string): string {
  const parts = specifier.replace(/^node:/, 'node:').split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  return name.replace(/^@types\//, '')
}

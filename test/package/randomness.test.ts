import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Tokens, challenges and nonces need at least 128 bits from a CSPRNG. Math.random and
// randomUUID (122 bits) are easy to reach for by habit, so library code may use neither, even
// where a weak value would do: the rule stays checkable only without exceptions.
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sources(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : []
  })
}

describe('randomness in library code', () => {
  it('uses node:crypto only: no Math.random, no randomUUID under src/', () => {
    const offenders = sources('src').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /Math\.random\s*\(|randomUUID\s*\(/.test(line))
        .map(({ at }) => at),
    )
    expect(offenders).toEqual([])
  })
})

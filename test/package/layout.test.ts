// The rule for where tests live (docs/contributing.md), kept by a test: next to the code in
// src/, or in an area folder under test/ — never flat in test/, which holds only the set-up and
// the shared helpers/ and services/ folders.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const TEST = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('where tests live', () => {
  it('no test file sits directly in test/: each belongs to an area folder (docs/contributing.md)', () => {
    const flat = readdirSync(TEST).filter((name) => name.endsWith('.test.ts'))
    expect(flat).toEqual([])
  })
})

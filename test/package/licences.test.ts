import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkLicences, type LockFile, permissive } from '../../scripts/licences.js'

const lock = (packages: LockFile['packages']): LockFile => ({ packages })

describe('the licence check over package-lock.json', () => {
  it('passes the real lock file and checks the drivers and what they pull in', () => {
    const real = JSON.parse(readFileSync('package-lock.json', 'utf8')) as LockFile
    const checked = checkLicences(real)
    expect(checked.filter((c) => !c.ok)).toEqual([])
    const names = checked.map((c) => c.name)
    for (const driver of ['better-sqlite3', 'pg', 'redis', 'pino', 'prom-client', 'jose']) {
      expect(names).toContain(driver)
    }
    expect(names).toContain('pg-pool')
    // Dev-only tools are not shipped and not checked.
    expect(names).not.toContain('vitest')
    expect(names).not.toContain('ua-parser-js')
  })

  it('fails on a copyleft licence anywhere in the run-time tree, nested ones included', () => {
    const checked = checkLicences(
      lock({
        '': { dependencies: { a: '1' }, peerDependencies: { driver: '1' } },
        'node_modules/a': { version: '1.0.0', license: 'MIT', dependencies: { b: '1' } },
        // `a` gets its own copy of b; the top-level b is someone else's and permissive.
        'node_modules/a/node_modules/b': { version: '2.0.0', license: 'AGPL-3.0-or-later' },
        'node_modules/b': { version: '1.0.0', license: 'MIT' },
        'node_modules/driver': { version: '1.0.0', license: 'GPL-2.0', dependencies: {} },
      }),
    )
    expect(checked.filter((c) => !c.ok).map((c) => c.path)).toEqual([
      'node_modules/a/node_modules/b',
      'node_modules/driver',
    ])
  })

  it('fails on a package without a licence and ignores dev-only packages', () => {
    const checked = checkLicences(
      lock({
        '': {
          dependencies: { x: '1' },
          devDependencies: { y: '1' },
        } as LockFile['packages'][string],
        'node_modules/x': { version: '1.0.0' },
        'node_modules/y': { version: '1.0.0', license: 'GPL-3.0' },
      }),
    )
    expect(checked).toEqual([
      { path: 'node_modules/x', name: 'x', version: '1.0.0', license: '(none)', ok: false },
    ])
  })

  it('reads SPDX expressions: one permissive alternative is enough, AND needs all', () => {
    expect(permissive('MIT')).toBe(true)
    expect(permissive('(MIT OR GPL-3.0)')).toBe(true)
    expect(permissive('(BSD-2-Clause OR MIT OR Apache-2.0)')).toBe(true)
    expect(permissive('MIT AND LGPL-2.1')).toBe(false)
    expect(permissive('AGPL-3.0-or-later')).toBe(false)
    expect(permissive('SSPL-1.0')).toBe(false)
    expect(permissive('EUPL-1.2')).toBe(false)
    expect(permissive('MPL-2.0')).toBe(false)
    expect(permissive('UNLICENSED')).toBe(false)
    expect(permissive('')).toBe(false)
  })
})

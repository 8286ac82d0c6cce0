import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { routedPath } from '../../src/csrf/path.js'

describe('the routed path a deferForms predicate sees', () => {
  it('decodes, folds case and collapses repeated slashes', () => {
    expect(routedPath('/api/transfer')).toBe('/api/transfer')
    expect(routedPath('/API/Transfer')).toBe('/api/transfer')
    expect(routedPath('/%61pi/transfer')).toBe('/api/transfer')
    expect(routedPath('/%41PI//transfer')).toBe('/api/transfer')
    expect(routedPath('//api///transfer')).toBe('/api/transfer')
    expect(routedPath('/api%2Ftransfer')).toBe('/api/transfer')
  })

  it('gives null, never an exception, for a path that does not decode', () => {
    for (const bad of ['/%', '/%zz/x', '/%E0%A4%A', '/a%']) expect(routedPath(bad), bad).toBeNull()
  })

  it('never throws, and is stable: the routed path of a routed path is itself', () => {
    fc.assert(
      fc.property(fc.string(), (path) => {
        const once = routedPath(path)
        if (once !== null && !once.includes('%')) expect(routedPath(once)).toBe(once)
      }),
    )
  })

  it('puts every percent-encoded or upper-case spelling of /api/… under /api/', () => {
    const spell = (c: string) =>
      fc.constantFrom(
        c,
        c.toUpperCase(),
        `%${c.charCodeAt(0).toString(16)}`,
        `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      )
    fc.assert(
      fc.property(
        spell('a'),
        spell('p'),
        spell('i'),
        fc.stringMatching(/^[a-z]{1,10}$/),
        (a, p, i, rest) => {
          expect(routedPath(`/${a}${p}${i}/${rest}`)!.startsWith('/api/')).toBe(true)
        },
      ),
    )
  })
})

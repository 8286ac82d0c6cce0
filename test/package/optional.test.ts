import { describe, expect, it } from 'vitest'
import { TesseraError } from '../../src/core/errors.js'
import { lazyOptional, type OptionalPackage, requireOptional } from '../../src/internal/optional.js'

// A name no registry will ever resolve here, standing in for a driver the user did not install.
const MISSING = 'tessera-session-no-such-driver' as OptionalPackage

describe('optional drivers', () => {
  it('loads an installed driver (the same module every time)', () => {
    const pg = requireOptional<{ Pool: unknown }>('pg', 'postgresStore')
    expect(typeof pg.Pool).toBe('function')
    expect(requireOptional('pg', 'postgresStore')).toBe(pg)
  })

  it('throws ERR_CONFIG naming the package and the feature when the driver is missing', () => {
    const error = (() => {
      try {
        requireOptional(MISSING, 'sqliteStore')
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(TesseraError)
    expect(error).toMatchObject({ code: 'ERR_CONFIG' })
    expect((error as Error).message).toContain(`sqliteStore needs the package "${MISSING}"`)
    expect((error as Error).message).toContain(`npm i ${MISSING}`)
  })

  it('loads a lazy driver on first use only, and fails then rather than at import', () => {
    const load = lazyOptional(MISSING, 'redisAudit')
    expect(() => load()).toThrow(/npm i tessera-session-no-such-driver/)
    const pino = lazyOptional<(...args: unknown[]) => unknown>('pino', 'logSink')
    expect(pino()).toBe(pino())
  })
})

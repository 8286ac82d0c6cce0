import { afterEach, describe, expect, it, vi } from 'vitest'
import { manualClock } from '../core/clock.js'
import { TesseraError } from '../core/errors.js'
import { createSessions } from '../core/manager.js'
import { memoryStore } from '../stores/memory/index.js'
import { PipelineDiagnostics } from './diagnostics.js'
import type { RequestInput } from './types.js'

function input(host: string, secure: boolean): RequestInput {
  return {
    method: 'POST',
    path: '/login',
    query: '',
    secure,
    header: (name) => (name === 'host' ? host : undefined),
  }
}

function setup(production: boolean) {
  const lines: string[] = []
  vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line))
  const clock = manualClock()
  const store = memoryStore({ clock })
  const sessions = createSessions({ store, clock, production })
  return { lines, clock, diagnostics: new PipelineDiagnostics(sessions) }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('a store that does not answer', () => {
  const down = new TesseraError('ERR_STORE_UNAVAILABLE', 'session store unavailable')

  it('is named once a minute on stderr outside production', () => {
    const { lines, clock, diagnostics } = setup(false)
    diagnostics.storeDown(down)
    diagnostics.storeDown(down)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/tessera: memory did not answer \(session store unavailable\)/)
    expect(lines[0]).toContain('await store.ready()')
    clock.advance(60_000)
    diagnostics.storeDown(down)
    expect(lines).toHaveLength(2)
  })

  it('writes nothing in production (the store_unavailable event is there)', () => {
    const { lines, diagnostics } = setup(true)
    diagnostics.storeDown(down)
    expect(lines).toEqual([])
  })
})

describe('a Secure cookie over plain HTTP', () => {
  it('is warned about once, naming the host', () => {
    const { lines, diagnostics } = setup(false)
    diagnostics.insecureCookie(input('bank.example:8080', false))
    diagnostics.insecureCookie(input('other.example', false))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /Secure session cookie was sent over plain HTTP to "bank.example:8080"/,
    )
    expect(lines[0]).toContain('trustProxy')
  })

  it.each(['localhost:3000', 'app.localhost', '127.0.0.1:8080', '[::1]:3000'])(
    'is not warned about on loopback (%s), where browsers keep it',
    (host) => {
      const { lines, diagnostics } = setup(false)
      diagnostics.insecureCookie(input(host, false))
      expect(lines).toEqual([])
    },
  )

  it('is not warned about over HTTPS', () => {
    const { lines, diagnostics } = setup(true)
    diagnostics.insecureCookie(input('bank.example', true))
    expect(lines).toEqual([])
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { manualClock } from '../core/clock.js'
import { createSessions } from '../core/manager.js'
import { createPipeline, rejectionBody } from '../pipeline/pipeline.js'
import type { RequestInput } from '../pipeline/types.js'
import { memoryStore } from '../stores/memory/index.js'
import { csrf } from './plugin.js'

const ORIGIN = 'https://bank.example'

function input(headers: Record<string, string>): RequestInput {
  return {
    method: 'POST',
    path: '/transfer',
    query: '',
    secure: true,
    ip: '203.0.113.7',
    header: (name) => headers[name],
  }
}

function setup(production: boolean) {
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock }), clock, production })
  const pipeline = createPipeline(sessions, [csrf({ sessions, origins: [ORIGIN] })])
  const refuse = async (headers: Record<string, string>) => {
    const { rejection } = await pipeline.begin(input(headers))
    expect(rejection).not.toBeNull()
    return JSON.parse(rejectionBody(rejection!)) as { error: Record<string, string> }
  }
  return { clock, refuse }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('CSRF refusals outside production', () => {
  it('carry the reason code and, for a foreign origin, the origin seen', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const { refuse } = setup(false)
    const body = await refuse({ origin: 'https://evil.example' })
    expect(body.error).toMatchObject({
      code: 'ERR_CSRF',
      message: 'request refused',
      reason: 'origin_mismatch',
    })
    expect(body.error.detail).toContain('"https://evil.example"')
    // The configured origins are the server's to know: stderr only, never a body.
    expect(body.error.detail).not.toContain(ORIGIN)
  })

  it.each([
    [{ 'sec-fetch-site': 'cross-site' }, 'fetch_metadata_cross_site'],
    [{ origin: 'null' }, 'origin_null'],
    [{ origin: ORIGIN }, 'no_session'],
  ])('name the reason %o → %s', async (headers, reason) => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const { refuse } = setup(false)
    expect((await refuse(headers)).error.reason).toBe(reason)
  })

  it('write one stderr line per reason a minute, without the referer path', async () => {
    const lines: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line))
    const { clock, refuse } = setup(false)
    const foreign = { referer: 'https://evil.example/private?token=abc' }
    await refuse(foreign)
    await refuse(foreign)
    await refuse({ 'sec-fetch-site': 'cross-site' })
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/tessera csrf: refused POST "\/transfer": referer_mismatch/)
    expect(lines[0]).toContain('"https://evil.example"')
    expect(lines[0]).toContain(ORIGIN)
    expect(lines[0]).not.toContain('token=abc')
    clock.advance(60_000)
    await refuse(foreign)
    expect(lines).toHaveLength(3)
  })
})

describe('CSRF refusals in production', () => {
  it('keep the bare body and write nothing', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { refuse } = setup(true)
    expect(await refuse({ origin: 'https://evil.example' })).toEqual({
      error: { code: 'ERR_CSRF', message: 'request refused' },
    })
    expect(error).not.toHaveBeenCalled()
  })
})

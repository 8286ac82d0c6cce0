import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CASES } from './cases.js'
import { addCsrfTokens, hasCsrfTokens } from './csrf-tokens.js'
import { call } from './http.js'
import { populationSpec, prepareRequest } from './request.js'
import { type Running, startServer } from './spawn.js'

// The CSRF population case end to end on a small population: the bench server mints each
// session's token, the harness's request passes the plugin with it, and another session's
// token is refused (so the load really exercises the per-session check).
describe('CSRF tokens of a population', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-csrf-'))
  const file = join(dir, 'population.txt')
  let server: Running | undefined
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('gives every session its own token, which the CSRF plugin accepts only for it', async () => {
    const def = CASES.find((c) => c.id === 'pop-csrf-uniform')!
    expect(def.population?.csrf).toBe(true)
    const started = await startServer({
      file: join(import.meta.dirname, '..', 'servers', def.server),
      env: { ...def.env, POPULATION: '40', POPULATION_FILE: file },
    })
    if ('skip' in started) throw new Error(started.skip)
    server = started
    const population = populationSpec(def, file, server.setup)
    expect(hasCsrfTokens(file)).toBe(false)
    expect(await addCsrfTokens(server.port, population, 4)).toMatchObject({ asked: 40 })
    expect(hasCsrfTokens(file)).toBe(true)
    const rows = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split('\t'))
    expect(rows).toHaveLength(40)
    expect(new Set(rows.map((r) => r[2])).size).toBe(40)

    const spec = await prepareRequest(def, server.port, population)
    expect(spec.method).toBe('POST')
    expect(spec.headers?.['x-csrf-token']).toBe(rows[0]![2])
    const ok = await call(server.port, spec)
    expect(ok.status).toBe(200)
    const foreign = { ...spec, headers: { ...spec.headers, 'x-csrf-token': rows[1]![2]! } }
    expect((await call(server.port, foreign)).status).toBe(403)
    const none = { ...spec, headers: { ...spec.headers, 'x-csrf-token': '' } }
    expect((await call(server.port, none)).status).toBe(403)
  }, 60_000)
})

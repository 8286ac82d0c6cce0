import { describe, expect, it } from 'vitest'
import { runBench } from './lib/harness.js'
import { renderMarkdown } from './lib/markdown.js'
import { renderChart } from './lib/svg.js'

// The benchmark itself is not part of `npm test` (CI time); this checks that the harness
// starts servers, drives them and measures something. It needs only the root dependencies:
// the built-in load generator, Tessera run through tsx, no Redis or PostgreSQL.
describe('benchmark harness (smoke)', () => {
  it('measures bare node:http and Tessera on the memory store in one short round', async () => {
    const lines: string[] = []
    const result = await runBench({
      cases: ['t-memory'],
      rounds: 1,
      warmupMs: 100,
      durationMs: 500,
      connections: 4,
      loadgen: 'builtin',
      runtime: 'tsx',
      retries: 0,
      checkRequests: 3,
      profile: false,
      log: (line) => lines.push(line),
    })
    expect(result.skipped).toEqual({})
    const bare = result.summary.find((s) => s.id === 'bare')
    const tessera = result.summary.find((s) => s.id === 't-memory')
    expect(bare?.runs).toBe(2)
    expect(tessera?.runs).toBe(1)
    expect(tessera!.rps).toBeGreaterThan(0)
    expect(tessera!.ratio).toBeGreaterThan(0)
    expect(tessera!.cpuUs).toBeGreaterThan(0)
    expect(tessera!.failures).toBe(0)
    // A read-only request inside the touch window: one store read, no write, no cookie.
    expect(tessera!.storeCallsPerReq).toEqual({ get: 1 })
    expect(tessera!.setCookiePerReq).toBe(0)
    expect(renderMarkdown(result)).toContain('| **Tessera** | Tessera node, memory store |')
    expect(renderChart(result)).toMatch(
      /^<svg[^>]+>[\s\S]*Tessera node, memory store[\s\S]*<\/svg>\n$/,
    )
  }, 60_000)
})

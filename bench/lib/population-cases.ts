import type { CaseDef } from './cases.js'
import { NEEDS, STORE_LABEL } from './store-kinds.js'

/** Live sessions of the population cases. */
export const POPULATION = 100_000
const POP = POPULATION.toLocaleString('en-US')

/**
 * The population cases: Tessera on node:http with {@link POPULATION} live sessions seeded
 * through the store, requests spread uniformly or by a Zipf law, on memory, Redis and
 * PostgreSQL; and monitoring on a uniform population (its per-session work never repeats).
 *
 * @example
 * const ids = populationCases().map((c) => c.id) // ['pop-memory-uniform', …]
 */
export function populationCases(): CaseDef[] {
  const cases = (['memory', 'redis', 'postgres'] as const).flatMap((store) =>
    (['uniform', 'zipf'] as const).map(
      (spread): CaseDef => ({
        id: `pop-${store}-${spread}`,
        label: `Tessera node, ${STORE_LABEL[store]} store, ${POP} sessions, ${spread}`,
        group: 'tessera',
        server: 'tessera/node.ts',
        env: { STORE: store },
        needs: NEEDS[store],
        // Zipf exponent 1: close to the popularity of web pages and users.
        population: { sessions: POPULATION, spread, ...(spread === 'zipf' ? { zipfS: 1 } : {}) },
        quick: store === 'memory' && spread === 'zipf',
      }),
    ),
  )
  // State-changing requests across the population, without and with the CSRF plugin (and the
  // security headers, as in the one-session pair): each request carries its session's token,
  // so the plugin's per-session work (deriving and caching the secret) runs as on a real site.
  const post = { group: 'tessera', server: 'tessera/node.ts', method: 'POST' } as const
  cases.push(
    {
      id: 'pop-post-uniform',
      label: `Tessera node, memory store, ${POP} sessions, uniform, POST without CSRF + headers`,
      ...post,
      env: { STORE: 'memory' },
      population: { sessions: POPULATION, spread: 'uniform' },
    },
    {
      id: 'pop-csrf-uniform',
      label: `Tessera node, memory store, ${POP} sessions, uniform, POST with CSRF + headers`,
      ...post,
      env: { STORE: 'memory', PLUGINS: 'headers,csrf' },
      population: { sessions: POPULATION, spread: 'uniform', csrf: true },
    },
  )
  cases.push({
    id: 'pop-monitoring-uniform',
    label: `Tessera node, memory store, ${POP} sessions, uniform, monitoring on`,
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'memory', MONITORING: '1' },
    population: { sessions: POPULATION, spread: 'uniform' },
  })
  return cases
}

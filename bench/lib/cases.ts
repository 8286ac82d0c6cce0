/** Which family a case belongs to (also its colour in the chart). */
export type Group = 'bound' | 'peer' | 'tessera'

/** A service a case needs; the harness provides it or skips the case. */
export type Need = 'redis' | 'cluster' | 'postgres' | 'benchDeps'

/** One benchmark case: a server file plus the request that is timed. */
export interface CaseDef {
  id: string
  label: string
  group: Group
  /** Server script, relative to `bench/servers/`. */
  server: string
  env?: Record<string, string>
  needs?: Need[]
  /**
   * `read` (default): an authenticated request that loads the session made by a prior login;
   * `login`: `POST /login` itself (session creation, per-user cap enforced), no credential.
   */
  kind?: 'read' | 'login'
  /** Method of the timed read request (default GET). POST sends a small JSON body. */
  method?: 'GET' | 'POST'
  /** Included in `--quick`. */
  quick?: boolean
  /**
   * Many live sessions seeded through the store before the server listens; the load generator
   * picks a session (and its User-Agent) per request, uniformly or by a Zipf law. With `csrf`
   * each request also carries that session's own CSRF token (see `csrf-tokens.ts`).
   */
  population?: { sessions: number; spread: 'uniform' | 'zipf'; zipfS?: number; csrf?: boolean }
}

import { populationCases } from './population-cases.js'
import { NEEDS, STORE_LABEL } from './store-kinds.js'

const GET = { quick: true }

const ALG = { hs256: 'HS256', es256: 'ES256', eddsa: 'EdDSA' } as const

/** Every case, in report order. `bare` is the baseline of every round. */
export const CASES: readonly CaseDef[] = [
  {
    id: 'bare',
    label: 'node:http, no session (upper bound)',
    group: 'bound',
    server: 'bare.mjs',
    ...GET,
  },
  { id: 'express', label: 'Express 5, no session', group: 'bound', server: 'express.mjs', ...GET },
  { id: 'fastify', label: 'Fastify 5, no session', group: 'bound', server: 'fastify.mjs', ...GET },
  {
    id: 'hono',
    label: 'Hono 4 on @hono/node-server, no session',
    group: 'bound',
    server: 'hono.mjs',
  },
  {
    id: 'es-mem',
    label: 'express-session, MemoryStore',
    group: 'peer',
    server: 'express-session.mjs',
    env: { STORE: 'memory' },
    needs: ['benchDeps'],
    ...GET,
  },
  {
    id: 'es-redis',
    label: 'express-session + connect-redis',
    group: 'peer',
    server: 'express-session.mjs',
    env: { STORE: 'redis' },
    needs: ['benchDeps', 'redis'],
    ...GET,
  },
  {
    id: 'fastify-session',
    label: '@fastify/session (memory)',
    group: 'peer',
    server: 'fastify-session.mjs',
    needs: ['benchDeps'],
    ...GET,
  },
  {
    id: 'iron',
    label: 'iron-session (sealed cookie)',
    group: 'peer',
    server: 'iron-session.mjs',
    needs: ['benchDeps'],
    ...GET,
  },
  ...(['memory', 'redis'] as const).map(
    (store): CaseDef => ({
      id: `minimal-${store === 'memory' ? 'mem' : store}`,
      label: `hand-written minimum on node:http, ${STORE_LABEL[store]}`,
      group: 'peer',
      server: 'minimal.mjs',
      env: { STORE: store },
      needs: NEEDS[store],
      ...GET,
    }),
  ),
  {
    id: 'jose-hs256',
    label: 'jose jwtVerify HS256',
    group: 'peer',
    server: 'jose.mjs',
    env: { ALG: 'HS256' },
    ...GET,
  },
  {
    id: 'jose-es256',
    label: 'jose jwtVerify ES256',
    group: 'peer',
    server: 'jose.mjs',
    env: { ALG: 'ES256' },
  },
  {
    id: 'jose-eddsa',
    label: 'jose jwtVerify EdDSA',
    group: 'peer',
    server: 'jose.mjs',
    env: { ALG: 'EdDSA' },
  },
  {
    id: 't-memory',
    label: 'Tessera node, memory store',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'memory' },
    ...GET,
  },
  {
    id: 't-sqlite',
    label: 'Tessera node, SQLite store',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'sqlite' },
    ...GET,
  },
  {
    id: 't-redis',
    label: 'Tessera node, Redis store',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'redis' },
    needs: ['redis'],
    ...GET,
  },
  {
    id: 't-cluster',
    label: 'Tessera node, Redis Cluster store',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'redis-cluster' },
    needs: ['cluster'],
  },
  {
    id: 't-postgres',
    label: 'Tessera node, PostgreSQL store',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'postgres' },
    needs: ['postgres'],
    ...GET,
  },
  {
    id: 't-express',
    label: 'Tessera Express adapter, memory store',
    group: 'tessera',
    server: 'tessera/express.ts',
    ...GET,
  },
  {
    id: 't-express-redis',
    label: 'Tessera Express adapter, Redis store',
    group: 'tessera',
    server: 'tessera/express.ts',
    env: { STORE: 'redis' },
    needs: ['redis'],
    ...GET,
  },
  {
    id: 't-fastify',
    label: 'Tessera Fastify adapter, memory store',
    group: 'tessera',
    server: 'tessera/fastify.ts',
    ...GET,
  },
  {
    id: 't-hono',
    label: 'Tessera Hono adapter, memory store',
    group: 'tessera',
    server: 'tessera/hono.ts',
  },
  {
    id: 't-monitoring',
    label: 'Tessera node, memory store, monitoring on',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'memory', MONITORING: '1' },
    ...GET,
  },
  {
    id: 't-post',
    label: 'Tessera node, memory store, POST without CSRF + headers',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'memory' },
    method: 'POST',
    ...GET,
  },
  {
    id: 't-post-csrf',
    label: 'Tessera node, memory store, POST with CSRF + headers',
    group: 'tessera',
    server: 'tessera/node.ts',
    env: { STORE: 'memory', PLUGINS: 'headers,csrf' },
    method: 'POST',
    ...GET,
  },
  ...(['hs256', 'es256', 'eddsa'] as const).map(
    (alg): CaseDef => ({
      id: `t-token-${alg}`,
      label: `Tessera token mode ${ALG[alg]}, verify every request`,
      group: 'tessera',
      server: 'tessera/token.ts',
      env: { ALG: ALG[alg], REVOCATION: 'stateless', CACHE: '0' },
      quick: alg === 'eddsa',
    }),
  ),
  {
    id: 't-token-default',
    label: 'Tessera token mode EdDSA, defaults',
    group: 'tessera',
    server: 'tessera/token.ts',
    env: { ALG: 'EdDSA' },
  },
  ...populationCases(),
  ...(['memory', 'sqlite', 'redis', 'cluster', 'postgres'] as const).map(
    (store): CaseDef => ({
      id: `login-${store}`,
      label: `Tessera node, ${STORE_LABEL[store]} store`,
      group: 'tessera',
      server: 'tessera/node.ts',
      env: { STORE: store === 'cluster' ? 'redis-cluster' : store },
      needs: NEEDS[store],
      kind: 'login',
      quick: store === 'memory',
    }),
  ),
  {
    id: 'login-es-mem',
    label: 'express-session, MemoryStore (no cap)',
    group: 'peer',
    server: 'express-session.mjs',
    env: { STORE: 'memory' },
    needs: ['benchDeps'],
    kind: 'login',
  },
]

/** Cases selected by `--cases a,b` (bare is always added) or `--quick`. */
export function selectCases(ids: string[] | null, quick: boolean): CaseDef[] {
  const chosen = CASES.filter((c) => (ids ? ids.includes(c.id) : !quick || c.quick))
  const unknown = (ids ?? []).filter((id) => !CASES.some((c) => c.id === id))
  if (unknown.length) throw new Error(`unknown case(s): ${unknown.join(', ')}`)
  return chosen.some((c) => c.id === 'bare') ? chosen : [CASES[0]!, ...chosen]
}

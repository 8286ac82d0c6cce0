/**
 * A ratio the report computes from two cases of the same round. Both sides always run on the
 * same framework (or both on bare node:http), so the ratio measures the session layer alone.
 */
export interface Comparison {
  id: string
  label: string
  case: string
  base: string
  /**
   * `peer`: Tessera ÷ the peer doing the same job on the same framework (the headline);
   * `overhead`: a layer on ÷ off, or an adapter ÷ its framework without sessions.
   */
  kind: 'peer' | 'overhead'
  /** Target ratio (case ÷ base), if the issues set one. */
  target?: number
}

const peer = (id: string, label: string, c: string, base: string, target?: number) =>
  ({ id, label, case: c, base, kind: 'peer', target }) as Comparison
const overhead = (id: string, label: string, c: string, base: string, target?: number) =>
  ({ id, label, case: c, base, kind: 'overhead', target }) as Comparison

/** The same-round ratios the report shows besides "ratio to bare". */
export const COMPARISONS: readonly Comparison[] = [
  peer(
    'node-vs-minimal',
    'Tessera node adapter ÷ hand-written minimum (node:http, memory)',
    't-memory',
    'minimal-mem',
  ),
  peer(
    'node-redis-vs-minimal',
    'Tessera node adapter ÷ hand-written minimum (node:http, Redis)',
    't-redis',
    'minimal-redis',
  ),
  peer(
    'express-vs-es',
    'Tessera Express adapter ÷ express-session (Express, memory)',
    't-express',
    'es-mem',
  ),
  peer(
    'express-redis-vs-es',
    'Tessera Express adapter ÷ express-session + connect-redis (Express, Redis)',
    't-express-redis',
    'es-redis',
  ),
  peer(
    'fastify-vs-fs',
    'Tessera Fastify adapter ÷ @fastify/session (Fastify, memory)',
    't-fastify',
    'fastify-session',
  ),
  ...(['hs256', 'es256', 'eddsa'] as const).map((alg) =>
    peer(
      `token-${alg}`,
      `Tessera token check ÷ jose jwtVerify, ${alg === 'eddsa' ? 'EdDSA' : alg.toUpperCase()} (node:http, every request verified)`,
      `t-token-${alg}`,
      `jose-${alg}`,
      1,
    ),
  ),
  overhead('es-vs-express', 'express-session ÷ Express', 'es-mem', 'express'),
  overhead('fs-vs-fastify', '@fastify/session ÷ Fastify', 'fastify-session', 'fastify'),
  overhead('express-adapter', 'Tessera Express adapter ÷ Express', 't-express', 'express', 0.85),
  overhead('fastify-adapter', 'Tessera Fastify adapter ÷ Fastify', 't-fastify', 'fastify', 0.75),
  overhead('hono-adapter', 'Tessera Hono adapter ÷ Hono', 't-hono', 'hono'),
  overhead(
    'csrf-cost',
    'CSRF + security headers on ÷ off (authenticated POST)',
    't-post-csrf',
    't-post',
    0.85,
  ),
  overhead(
    'monitoring-cost',
    'monitoring on ÷ off (authenticated GET, one session)',
    't-monitoring',
    't-memory',
    0.9,
  ),
  ...(['memory', 'redis', 'postgres'] as const).map((store) =>
    overhead(
      `pop-${store}-vs-one`,
      `100,000 sessions, uniform ÷ one session (node adapter, ${store === 'memory' ? 'memory' : store === 'redis' ? 'Redis' : 'PostgreSQL'})`,
      `pop-${store}-uniform`,
      `t-${store}`,
    ),
  ),
  overhead(
    'csrf-cost-pop',
    'CSRF + security headers on ÷ off (authenticated POST, 100,000 sessions, uniform)',
    'pop-csrf-uniform',
    'pop-post-uniform',
    0.85,
  ),
  overhead(
    'monitoring-cost-pop',
    'monitoring on ÷ off (100,000 sessions, uniform)',
    'pop-monitoring-uniform',
    'pop-memory-uniform',
    0.9,
  ),
]

/** A ratio the report computes from two cases of the same round (a target of the issues). */
export interface Comparison {
  id: string
  label: string
  case: string
  base: string
  /** Target ratio (case ÷ base), if the issues set one. */
  target?: number
}

/** The same-round ratios the report shows besides "ratio to bare". */
export const COMPARISONS: readonly Comparison[] = [
  {
    id: 'es-vs-express',
    label: 'express-session memory ÷ Express',
    case: 'es-mem',
    base: 'express',
  },
  {
    id: 'fs-vs-fastify',
    label: '@fastify/session ÷ Fastify',
    case: 'fastify-session',
    base: 'fastify',
  },
  {
    id: 'express-adapter',
    label: 'Tessera Express adapter ÷ Express',
    case: 't-express',
    base: 'express',
    target: 0.85,
  },
  {
    id: 'fastify-adapter',
    label: 'Tessera Fastify adapter ÷ Fastify',
    case: 't-fastify',
    base: 'fastify',
    target: 0.75,
  },
  { id: 'hono-adapter', label: 'Tessera Hono adapter ÷ Hono', case: 't-hono', base: 'hono' },
  {
    id: 'csrf-cost',
    label: 'CSRF + security headers on ÷ off (authenticated POST)',
    case: 't-post-csrf',
    base: 't-post',
    target: 0.85,
  },
  {
    id: 'monitoring-cost',
    label: 'monitoring on ÷ off (authenticated GET)',
    case: 't-monitoring',
    base: 't-memory',
    target: 0.9,
  },
  {
    id: 'memory-vs-es',
    label: 'Tessera node memory ÷ express-session memory',
    case: 't-memory',
    base: 'es-mem',
  },
  {
    id: 'redis-vs-es',
    label: 'Tessera node Redis ÷ express-session + connect-redis',
    case: 't-redis',
    base: 'es-redis',
  },
]

import { num } from './format.js'
import type { BenchResult } from './harness.js'
import { writesPerRead } from './targets.js'

/**
 * The few sentences at the top of `docs/benchmarks.md` (and of the README section): Tessera's
 * headline cases against the peers of the same run, by throughput ratio and server CPU.
 *
 * @example
 * lines.push(...headline(result))
 */
export function headline(r: BenchResult): string[] {
  const c = (id: string) => r.summary.find((s) => s.id === id)
  const cmp = (id: string) => r.comparisons.find((x) => x.id === id)?.ratio
  const x = (v: number | undefined) => (v === undefined ? '–' : `${num(v, 2)}×`)
  const us = (id: string) => `${num(c(id)?.cpuUs)} µs`
  const out: string[] = []
  if (c('t-memory')) {
    out.push(
      `- **Node adapter + memory store: ${x(c('t-memory')?.ratio)} bare node:http** ` +
        `(express-session MemoryStore ${x(c('es-mem')?.ratio)}, @fastify/session ${x(c('fastify-session')?.ratio)}); ` +
        `server CPU ${us('t-memory')} per request against ${us('es-mem')} and ${us('fastify-session')} (bare: ${us('bare')}).`,
    )
  }
  if (c('t-redis')) {
    out.push(
      `- **Redis store: ${x(c('t-redis')?.ratio)} bare** (express-session + connect-redis ${x(c('es-redis')?.ratio)}), ` +
        `${us('t-redis')} against ${us('es-redis')} per request; Redis Cluster ${x(c('t-cluster')?.ratio)}, ` +
        `SQLite ${x(c('t-sqlite')?.ratio)}, PostgreSQL ${x(c('t-postgres')?.ratio)}.`,
    )
  }
  if (cmp('express-adapter') !== undefined || cmp('fastify-adapter') !== undefined) {
    out.push(
      `- **Adapters, as a share of the same framework without sessions:** Express ${x(cmp('express-adapter'))} ` +
        `(express-session ${x(cmp('es-vs-express'))}), Fastify ${x(cmp('fastify-adapter'))} ` +
        `(@fastify/session ${x(cmp('fs-vs-fastify'))}), Hono ${x(cmp('hono-adapter'))}.`,
    )
  }
  const tess = r.summary.filter((s) => s.group === 'tessera' && s.kind === 'read')
  const writes = tess.map(writesPerRead).filter((w): w is number => w !== null)
  if (writes.length) {
    const peers = ['es-mem', 'es-redis', 'fastify-session']
      .map((id) => c(id))
      .filter((s) => s !== undefined)
      .map((s) => `${s.label} ${num(writesPerRead(s), 2)}`)
    out.push(
      `- **Store writes per read-only request: ${num(Math.max(...writes), 0)}** in every Tessera case ` +
        `(${peers.join(', ') || 'peers not measured'}); Set-Cookie on a read: ` +
        `${num(Math.max(...tess.map((s) => s.setCookiePerReq)), 0)}.`,
    )
  }
  if (c('t-token-eddsa')) {
    const pair = (alg: string) =>
      `${alg.toUpperCase()} ${x(c(`t-token-${alg}`)?.ratio)} vs jose ${x(c(`jose-${alg}`)?.ratio)}`
    out.push(
      `- **Token mode, verifying every request:** ${['hs256', 'es256', 'eddsa'].map(pair).join('; ')}; ` +
        `with its defaults (verified-token cache, one store read) ${x(c('t-token-default')?.ratio)}.`,
    )
  }
  return out
}

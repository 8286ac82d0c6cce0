import type { ComparisonSummary, CaseSummary } from './summary.js'

/** One row of the issues' targets table, evaluated on this run. */
export interface TargetRow {
  what: string
  peer: string
  tessera: string
  /** The same ratio by server CPU µs/request (less sensitive to the load generator). */
  tesseraCpu: string
  target: string
  /** true/false when measured, null when the Tessera case did not run. */
  met: boolean | null
}

// Store calls or Redis commands that change state; anything else (get, hgetall, …) is a read.
const WRITES = new Set([
  'set',
  'touch',
  'update',
  'create',
  'destroy',
  'expire',
  'pexpire',
  'pexpireat',
  'expireat',
  'setex',
  'psetex',
  'hset',
  'hmset',
  'del',
  'unlink',
  'zadd',
  'zrem',
  'sadd',
  'srem',
  'eval',
  'evalsha',
  'fcall',
  'multi',
  'exec',
])

/**
 * Writes per read-only request: store calls that write (check phase) or, failing that, Redis
 * write commands during the timed load; null when neither was counted.
 *
 * @example
 * writesPerRead(summary) // 0
 */
export function writesPerRead(s: CaseSummary): number | null {
  const m = s.storeCallsPerReq ?? s.redisPerReq
  if (!m) return null
  return Object.entries(m).reduce((a, [k, v]) => a + (WRITES.has(k.toLowerCase()) ? v : 0), 0)
}

const fx = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`

/**
 * Evaluates the targets of issues 2–8 on one run's summary.
 *
 * @example
 * const rows = evaluateTargets(summary, comparisons)
 */
export function evaluateTargets(
  summary: readonly CaseSummary[],
  comparisons: readonly ComparisonSummary[],
): TargetRow[] {
  const c = (id: string) => summary.find((s) => s.id === id)
  const cmp = (id: string) => comparisons.find((x) => x.id === id)
  const ratio = (id: string) => c(id)?.ratio
  const rows: TargetRow[] = []
  const atLeast = (v: number | undefined, t: number) => (v === undefined ? null : v >= t)
  const cpuOf = (id: string) => fx(c(id)?.cpuRatio)
  const cpuCmp = (id: string) => fx(cmp(id)?.cpuRatio)

  rows.push({
    what: 'memory store, node adapter (÷ bare node:http)',
    peer: `express-session memory ${fx(ratio('es-mem'))}; @fastify/session ${fx(ratio('fastify-session'))}`,
    tessera: fx(ratio('t-memory')),
    tesseraCpu: cpuOf('t-memory'),
    target: '≥ 0.60×',
    met: atLeast(ratio('t-memory'), 0.6),
  })
  rows.push({
    what: 'Redis store, node adapter (÷ bare node:http)',
    peer: `express-session + connect-redis ${fx(ratio('es-redis'))}`,
    tessera: fx(ratio('t-redis')),
    tesseraCpu: cpuOf('t-redis'),
    target: '≥ 0.50×',
    met: atLeast(ratio('t-redis'), 0.5),
  })
  rows.push({
    what: 'Express adapter ÷ plain Express',
    peer: `express-session ${fx(cmp('es-vs-express')?.ratio)}`,
    tessera: fx(cmp('express-adapter')?.ratio),
    tesseraCpu: cpuCmp('express-adapter'),
    target: '≥ 0.85×',
    met: atLeast(cmp('express-adapter')?.ratio, 0.85),
  })
  rows.push({
    what: 'Fastify adapter ÷ plain Fastify',
    peer: `@fastify/session ${fx(cmp('fs-vs-fastify')?.ratio)}`,
    tessera: fx(cmp('fastify-adapter')?.ratio),
    tesseraCpu: cpuCmp('fastify-adapter'),
    target: '≥ 0.75×',
    met: atLeast(cmp('fastify-adapter')?.ratio, 0.75),
  })
  const tessWrites = summary
    .filter((s) => s.group === 'tessera' && s.kind === 'read')
    .map((s) => writesPerRead(s))
    .filter((v): v is number => v !== null)
  const peerWrites = ['es-mem', 'es-redis', 'fastify-session']
    .map((id) => {
      const s = c(id)
      const w = s ? writesPerRead(s) : null
      return w === null ? null : `${id} ${w.toFixed(2)}`
    })
    .filter(Boolean)
  rows.push({
    what: 'store writes per read-only request inside the touch window',
    peer: peerWrites.join('; ') || '–',
    tessera: tessWrites.length
      ? `max ${Math.max(...tessWrites).toFixed(2)} over ${tessWrites.length} cases`
      : '–',
    tesseraCpu: '',
    target: '0',
    met: tessWrites.length ? Math.max(...tessWrites) === 0 : null,
  })
  for (const alg of ['hs256', 'es256', 'eddsa']) {
    const jose = ratio(`jose-${alg}`)
    const ours = ratio(`t-token-${alg}`)
    rows.push({
      what: `token verification ${alg.toUpperCase()} (÷ bare node:http)`,
      peer: `jose jwtVerify ${fx(jose)}`,
      tessera:
        ours === undefined ? '–' : `${fx(ours)} (${jose ? (ours / jose).toFixed(1) : '–'}× jose)`,
      tesseraCpu: `${cpuOf(`t-token-${alg}`)} (jose ${cpuOf(`jose-${alg}`)})`,
      target: '≥ jose (stretch 2× jose)',
      met: ours === undefined || jose === undefined ? null : ours >= jose,
    })
  }
  const csrf = cmp('csrf-cost')?.ratio
  rows.push({
    what: 'CSRF + security headers on an authenticated POST (with ÷ without)',
    peer: '–',
    tessera: csrf === undefined ? '–' : `${fx(csrf)} (cost ${((1 - csrf) * 100).toFixed(0)} %)`,
    tesseraCpu: cpuCmp('csrf-cost'),
    target: 'cost < 15 % (≥ 0.85×)',
    met: atLeast(csrf, 0.85),
  })
  const mon = cmp('monitoring-cost')?.ratio
  rows.push({
    what: 'monitoring on ÷ off (authenticated GET)',
    peer: '–',
    tessera: mon === undefined ? '–' : `${fx(mon)} (cost ${((1 - mon) * 100).toFixed(0)} %)`,
    tesseraCpu: cpuCmp('monitoring-cost'),
    target: 'cost < 10 % (≥ 0.90×)',
    met: atLeast(mon, 0.9),
  })
  return rows
}

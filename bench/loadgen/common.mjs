// The contract between a load generator process and the harness: the config comes in the
// LOADGEN_CONFIG environment variable (JSON); the generator prints MEASURE_START and
// MEASURE_END around the measured window (the harness samples /proc at those lines) and then
// one `RESULT {json}` line.
import { readFileSync } from 'node:fs'

/** @returns {{url: string, method: string, headers: Record<string,string>, body?: string, connections: number, warmupMs: number, durationMs: number}} */
export function readConfig() {
  const config = JSON.parse(process.env.LOADGEN_CONFIG ?? '{}')
  if (typeof config.url !== 'string') throw new Error('LOADGEN_CONFIG.url is required')
  return {
    method: 'GET',
    headers: {},
    connections: 32,
    warmupMs: 1000,
    durationMs: 3000,
    ...config,
  }
}

/** Exact percentile (nearest rank) of a sorted Float64Array; NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

/** Latency samples in a growable Float64Array (no per-sample allocation). */
export class Samples {
  constructor() {
    this.values = new Float64Array(65_536)
    this.length = 0
  }
  push(v) {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2)
      bigger.set(this.values)
      this.values = bigger
    }
    this.values[this.length++] = v
  }
  sorted() {
    return this.values.slice(0, this.length).sort()
  }
}

/** Prints the final line the harness parses. */
export function report({ ok2xx, non2xx, errors, timeouts, seconds, latencies, cpuUs }) {
  const sorted = latencies.sorted()
  const result = {
    ok2xx,
    non2xx,
    errors,
    timeouts,
    seconds,
    rps: ok2xx / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    loadgenCpuUs: cpuUs,
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

/** Process CPU time (user + system) in microseconds. */
export function cpuNow() {
  const u = process.cpuUsage()
  return u.user + u.system
}

/**
 * A per-request credential picker over a population file (`token<TAB>ua-index[<TAB>csrf-token]`
 * lines), or
 * null without one. `zipf` ranks the list in its (random) order: rank k is picked with
 * probability ∝ 1/k^s, so a few sessions are hot and most are cold, as on a real site.
 * @returns {null | (() => Record<string, string>)} headers to add to the next request
 */
export function populationPicker(config) {
  const p = config.population
  if (!p) return null
  const rows = readFileSync(p.file, 'utf8').split('\n').filter(Boolean)
  const headers = rows.map((line) => {
    const [token, ua, csrf] = line.split('\t')
    const h = { cookie: `${p.cookieName}=${token}`, 'user-agent': p.userAgents[Number(ua)] ?? '' }
    return p.csrf ? { ...h, 'x-csrf-token': csrf ?? '' } : h
  })
  const n = headers.length
  if (p.spread === 'uniform') return () => headers[Math.floor(Math.random() * n)]
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** p.zipfS
    cdf[k] = sum
  }
  return () => {
    const x = Math.random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < x) lo = mid + 1
      else hi = mid
    }
    return headers[lo]
  }
}

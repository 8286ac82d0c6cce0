// The near cache (issue 16, part 2), measured: server CPU per authenticated read with the
// cache on (Redis, PostgreSQL) against the memory store in the same run, and how long a
// revocation takes to be refused on every one of three app processes under read load.
// `npx tsx bench/near-cache.ts [--quick]` prints the numbers; `npm run bench` calls `measure`.
import type { ChildProcess } from 'node:child_process'
import type { SessionStore } from 'tessera-session'
import { postgresStore } from 'tessera-session/stores/postgres'
import { redisStore } from 'tessera-session/stores/redis'
import type { ExtraOptions, ExtraResult } from './lib/extras.js'
import { bootstrapQuantile, type Interval } from './lib/interval.js'
import { propagationRow } from './lib/propagation-row.js'
import { measureFaults } from './near-cache-faults.js'
import { measureOpenCpu } from './near-cache-inproc.js'
import {
  benchRecord,
  cleanUp,
  cpuUs,
  forkChild,
  load,
  quantile,
  runPrefix,
  startChild,
  stopChild,
} from './near-cache-lib.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Stores of the read-CPU comparison; `-nc` has the near cache on. */
export const CPU_STORES = ['memory', 'redis-nc', 'postgres-nc', 'redis', 'postgres'] as const
export type CpuStore = (typeof CPU_STORES)[number]

/** Per store, server CPU µs per authenticated read by round, and the cache's hit share. */
export type ReadCpu = Record<CpuStore, number[]> & { hitShare: Record<string, number> }

/** Server CPU µs per authenticated read, per store and round (rounds interleave the stores). */
export async function measureReadCpu(
  o: { rounds: number; seconds: number; connections?: number; sessions?: number },
  urls = { redis: REDIS_URL, postgres: DATABASE_URL },
  stores: readonly CpuStore[] = CPU_STORES,
): Promise<ReadCpu> {
  const out = {
    ...(Object.fromEntries(CPU_STORES.map((s) => [s, [] as number[]])) as Record<
      CpuStore,
      number[]
    >),
    hitShare: {} as Record<string, number>,
  }
  for (let round = 0; round < o.rounds; round++) {
    for (const kind of stores) {
      const { child, words } = await startChild('near-cache-server.ts', {
        STORE: kind,
        REDIS_URL: urls.redis,
        DATABASE_URL: urls.postgres,
        SESSIONS: String(o.sessions ?? 100),
      })
      try {
        const [port, cookies] = [Number(words[0]), (words[1] ?? '').split('\t')]
        const c = o.connections ?? 16
        await load(port, '/me', cookies, c, 500) // warm-up: JIT, pools, the cache
        const before = cpuUs(child.pid!)
        const { ok, failed } = await load(port, '/me', cookies, c, o.seconds * 1000)
        const used = cpuUs(child.pid!) - before
        if (failed > 0 || ok === 0)
          throw new Error(`${kind}: ${failed} failed reads of ${ok + failed}`)
        out[kind].push(used / ok)
        if (kind.endsWith('-nc')) {
          const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as {
            hits: number
            misses: number
          }
          out.hitShare[kind] = stats.hits / (stats.hits + stats.misses)
        }
      } finally {
        await stopChild(child)
      }
    }
  }
  return out
}

/** Revocation propagation over `count` revocations across three app processes, ms. */
export interface Propagation {
  p50: number
  p99: number
  /** The p99 with a bootstrap 95 % interval over the `count` revocations (2,000 resamples). */
  p99Interval: Interval
  max: number
  count: number
  /** Revocations whose invalidation never reached one of the other processes. */
  lost: number
  /** Reads that still found a session after its invalidation had arrived (must be 0). */
  stale: number
  /** Read errors of the load (must be 0). */
  errors: number
  /** Reads of the load, all processes. */
  reads: number
  /** Reads answered from memory, all processes. */
  hits: number
  /** Channel losses seen by the processes (0 in a quiet run). */
  downs: number
  /** The revoking call's own duration (store round trip), p50 and p99, ms. */
  callP50: number
  callP99: number
  /** From the revoking call's return to the slower arrival (0 when the push came first), p99, ms. */
  afterCallP99: number
}

/** The row's ratio: near cache ÷ memory store, median and min–max over the rounds. */
const cacheOverMemory = (ratios: number[]) => ({
  name: 'near cache ÷ memory',
  how: 'min-max over rounds',
  median: median(ratios),
  lo: Math.min(...ratios),
  hi: Math.max(...ratios),
})

/**
 * Three app processes (each with its own near cache) read `count` sessions in a loop; the
 * revocations go round-robin through them, one at a time. A revocation's propagation is the
 * time from the revoking call's start to the arrival of its invalidation on the slower of the
 * two other processes (the revoking process drops its entry when its own call returns).
 */
export async function measurePropagation(
  kind: 'redis' | 'postgres',
  count: number,
  url = kind === 'redis' ? REDIS_URL : DATABASE_URL,
  readRate = 2000,
): Promise<Propagation> {
  const prefix = runPrefix(kind)
  const setup: SessionStore =
    kind === 'redis'
      ? redisStore({ url, keyPrefix: prefix })
      : postgresStore({ connectionString: url, tablePrefix: prefix, sweepIntervalMs: 0 })
  const workers: ChildProcess[] = []
  try {
    const records = Array.from({ length: count }, (_, i) => benchRecord(`u${i}`))
    for (const r of records) await setup.create(r)
    const env = {
      STORE: kind,
      PREFIX: prefix,
      REDIS_URL: url,
      DATABASE_URL: url,
      READ_RATE: String(readRate),
    }
    const ups: Promise<void>[] = []
    for (let i = 0; i < 3; i++) {
      const w = forkChild('near-cache-worker.ts', env)
      workers.push(w)
      ups.push(
        new Promise((resolve) =>
          w.on('message', (m: { type: string }) => m.type === 'up' && resolve()),
        ),
      )
    }
    await Promise.all(ups)
    for (const w of workers) w.send({ type: 'start', ids: records.map((r) => r.id) })
    // Let the loops warm the caches before the first revocation.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const started: number[] = []
    const ended: number[] = []
    const calls: number[] = []
    for (let n = 0; n < count; n++) {
      const w = workers[n % 3]!
      const r = records[n]!
      started[n] = await new Promise<number>((resolve) => {
        const on = (m: { type: string; n?: number; t0?: number; t1?: number }) => {
          if (m.type !== 'revoked' || m.n !== n) return
          w.off('message', on)
          calls.push(m.t1! - m.t0!)
          ended[n] = m.t1!
          resolve(m.t0!)
        }
        w.on('message', on)
        w.send({ type: 'revoke', n, id: r.id, handle: r.handle })
      })
    }
    // Give the last invalidations time to land, then collect.
    await new Promise((resolve) => setTimeout(resolve, 500))
    type Result = {
      arrived: [string, number][]
      stale: number
      errors: number
      reads: number
      hits: number
      downs: number
    }
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<Result>((resolve) => {
            w.on('message', (m: Result & { type: string }) => m.type === 'result' && resolve(m))
            w.send({ type: 'finish' })
          }),
      ),
    )
    const arrival = results.map((res) => new Map(res.arrived))
    const delays: number[] = []
    const afterCall: number[] = []
    records.forEach((r, n) => {
      const others = [0, 1, 2].filter((i) => i !== n % 3)
      const times = others.map((i) => arrival[i]!.get(r.id) ?? Number.POSITIVE_INFINITY)
      delays.push(Math.max(...times) - started[n]!)
      afterCall.push(Math.max(0, Math.max(...times) - ended[n]!))
    })
    return {
      p50: quantile(delays, 0.5),
      p99: quantile(delays, 0.99),
      p99Interval: bootstrapQuantile(delays, 0.99),
      max: Math.max(...delays),
      count,
      lost: delays.filter((d) => !Number.isFinite(d)).length,
      stale: results.reduce((s, r) => s + r.stale, 0),
      errors: results.reduce((s, r) => s + r.errors, 0),
      reads: results.reduce((s, r) => s + r.reads, 0),
      hits: results.reduce((s, r) => s + r.hits, 0),
      downs: results.reduce((s, r) => s + r.downs, 0),
      callP50: quantile(calls, 0.5),
      callP99: quantile(calls, 0.99),
      afterCallP99: quantile(afterCall, 0.99),
    }
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM')
    await setup.close()
    await cleanUp(kind, url, prefix)
  }
}

const median = (xs: number[]) => quantile(xs, 0.5)
const round1 = (x: number) => Math.round(x * 10) / 10

/** The report's rows (`npm run bench` calls this; see bench/lib/extras.ts). */
export async function measure(o: ExtraOptions): Promise<ExtraResult[]> {
  const urls = { redis: o.redisUrl ?? REDIS_URL, postgres: o.postgresUrl ?? DATABASE_URL }
  const cpu = await measureReadCpu({ rounds: o.quick ? 1 : 3, seconds: o.quick ? 1.5 : 3 }, urls)
  const rows: ExtraResult[] = []
  for (const kind of ['redis-nc', 'postgres-nc'] as const) {
    const ratios = cpu[kind].map((v, i) => v / cpu.memory[i]!)
    rows.push({
      id: `near-cache-cpu-${kind}`,
      label: `read CPU, ${kind === 'redis-nc' ? 'Redis' : 'PostgreSQL'} with the near cache ÷ memory store`,
      values: [
        { name: 'near cache', value: round1(median(cpu[kind])), unit: 'µs/req' },
        { name: 'memory', value: round1(median(cpu.memory)), unit: 'µs/req' },
        {
          name: 'no cache',
          value: round1(median(cpu[kind === 'redis-nc' ? 'redis' : 'postgres'])),
          unit: 'µs/req',
        },
        {
          name: 'hits',
          value: Math.round((cpu.hitShare[kind] ?? Number.NaN) * 1000) / 10,
          unit: '%',
        },
      ],
      ratio: cacheOverMemory(ratios),
      target: { op: '≤', value: 1.25 },
    })
  }
  const opens = await measureOpenCpu(
    { rounds: o.quick ? 1 : 5, opens: o.quick ? 20_000 : 100_000 },
    urls,
  )
  for (const kind of ['redis-nc', 'postgres-nc'] as const) {
    const ratios = opens[kind].map((v, i) => v / opens.memory[i]!)
    rows.push({
      id: `near-cache-open-${kind}`,
      label: `sessions.open() CPU in-process, ${kind === 'redis-nc' ? 'Redis' : 'PostgreSQL'} with the near cache ÷ memory store`,
      values: [
        { name: 'near cache', value: Math.round(median(opens[kind]) * 100) / 100, unit: 'µs/open' },
        { name: 'memory', value: Math.round(median(opens.memory) * 100) / 100, unit: 'µs/open' },
      ],
      ratio: cacheOverMemory(ratios),
      target: { op: '≤', value: 1.25 },
    })
  }
  for (const kind of ['redis', 'postgres'] as const) {
    const url = kind === 'redis' ? urls.redis : urls.postgres
    const p = await measurePropagation(kind, o.quick ? 200 : 1000, url)
    rows.push(propagationRow(kind === 'redis' ? 'Redis' : 'PostgreSQL', kind, p))
  }
  rows.push(...(await measureFaults(urls)))
  return rows
}

// Run directly: print the numbers.
if (process.argv[1]?.endsWith('near-cache.ts')) {
  const quick = process.argv.includes('--quick')
  const log = (line: string) => console.log(line)
  const rows = await measure({ quick, redisUrl: null, postgresUrl: null, log })
  console.log(JSON.stringify(rows, null, 2))
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildServers, type Runtime } from './build.js'
import { type CaseDef, type Need, selectCases } from './cases.js'
import { derive } from './derive.js'
import type { Drift } from './drift.js'
import { EXTRAS, type ExtraResult, runExtras } from './extras.js'
import { type Footprint, footprint } from './footprint.js'
import { machineInfo, type MachineInfo } from './machine.js'
import type { Env, RunRecord } from './measure.js'
import { dropSchema, postgresVersion } from './postgres.js'
import { type ProfileSummary, profileCase } from './profile.js'
import { runRounds } from './rounds.js'
import { haveRedisServer, type RedisServices, startRedisServices } from './services.js'
import type { CaseSummary, ComparisonSummary } from './summary.js'
import type { TargetRow } from './targets.js'

/** `bench/` (this file lives in `bench/lib/`). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The repository root. */
export const ROOT_DIR = join(BENCH_DIR, '..')

/** Options of {@link runBench}; every field has a default (the full run). */
export interface BenchOptions {
  quick?: boolean
  cases?: string[] | null
  rounds?: number
  warmupMs?: number
  durationMs?: number
  connections?: number
  loadgen?: 'autocannon' | 'builtin' | 'auto'
  maxForeignCores?: number
  retries?: number
  /** Seconds of rounds after which no run is repeated (default 420 on a full run). */
  retryBudgetS?: number
  checkRequests?: number
  /** `build` (default): run Tessera compiled by tsc; `tsx`: run the TypeScript directly. */
  runtime?: Runtime
  /** Profile the slowest Tessera read case (and t-memory) after the rounds. */
  profile?: boolean
  /** Measure bytes per session in Redis and PostgreSQL after the rounds. */
  footprint?: boolean
  /** Extra benchmarks to run after the rounds (ids of `EXTRAS`); default none. */
  extras?: string[]
  log?: (line: string) => void
}

/** Settings actually used, recorded in the report. */
export interface BenchSettings {
  quick: boolean
  rounds: number
  warmupMs: number
  durationMs: number
  connections: number
  loadgen: 'autocannon' | 'builtin'
  maxForeignCores: number
  retries: number
  retryBudgetS: number
  runtime: Runtime
}

/** A finished benchmark. */
export interface BenchResult {
  machine: MachineInfo
  settings: BenchSettings
  summary: CaseSummary[]
  comparisons: ComparisonSummary[]
  /** Per-round drift of the bare baseline (first against last run of each round). */
  drift: Drift[]
  targets: TargetRow[]
  /** Rows of the extra benchmarks (flood, anonymous pages, DBSC, near cache). */
  extras: ExtraResult[]
  skipped: Record<string, string>
  runs: RunRecord[]
  cases: CaseDef[]
  /** CPU profiles: the slowest Tessera read case first, then the memory store on node. */
  profiles: ProfileSummary[]
  footprints: Footprint[]
}

/** True when bench/node_modules has the peers and autocannon (`npm ci --prefix bench`). */
export function benchDepsInstalled(): boolean {
  return existsSync(join(BENCH_DIR, 'node_modules', 'autocannon', 'package.json'))
}

function settingsFrom(o: BenchOptions): BenchSettings {
  const quick = o.quick ?? false
  const loadgen = o.loadgen ?? 'auto'
  return {
    quick,
    rounds: o.rounds ?? (quick ? 1 : 3),
    warmupMs: o.warmupMs ?? (quick ? 500 : 600),
    durationMs: o.durationMs ?? (quick ? 1200 : 2000),
    connections: o.connections ?? 32,
    loadgen: loadgen === 'auto' ? (benchDepsInstalled() ? 'autocannon' : 'builtin') : loadgen,
    maxForeignCores: o.maxForeignCores ?? 1.2,
    retries: o.retries ?? (quick ? 0 : 1),
    retryBudgetS: o.retryBudgetS ?? 420,
    runtime: o.runtime ?? 'build',
  }
}

/** Services prepared for a set of cases. */
export interface Prepared {
  env: Env
  cases: CaseDef[]
  skipped: Record<string, string>
  postgres: string | null
  cleanup(): Promise<void>
}

/**
 * Works out which selected cases can run here and starts what they need: private Redis
 * server(s), a PostgreSQL check, a temporary directory. Cases whose package or service is
 * missing are marked skipped with the reason.
 *
 * @example
 * const p = await prepare(selectCases(['t-redis'], false), console.log)
 * try { … } finally { await p.cleanup() }
 */
export async function prepare(
  selected: CaseDef[],
  log: (line: string) => void,
  runtime: Runtime = 'build',
): Promise<Prepared> {
  if (runtime === 'build' && selected.some((c) => c.server.endsWith('.ts'))) {
    log('building Tessera (tsc, emit only) into bench/results/build…')
    await buildServers(BENCH_DIR, ROOT_DIR)
  }
  const deps = benchDepsInstalled()
  const skipped: Record<string, string> = {}
  const needs = (n: Need) => selected.some((c) => c.needs?.includes(n))
  const mark = (n: Need, why: string) => {
    for (const c of selected.filter((c) => c.needs?.includes(n))) skipped[c.id] ??= why
  }
  if (!deps) mark('benchDeps', 'bench dependencies not installed (npm ci --prefix bench)')
  const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
  const pg = needs('postgres') ? await postgresVersion(pgUrl) : null
  if (!pg) mark('postgres', `PostgreSQL not reachable at ${pgUrl}`)
  const redisOk = (needs('redis') || needs('cluster')) && (await haveRedisServer())
  if (!redisOk) {
    mark('redis', 'redis-server not installed')
    mark('cluster', 'redis-server not installed')
  }
  const cases = selected.filter((c) => !skipped[c.id])
  const tmpDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'))
  let redis: RedisServices | null = null
  const pgSchema = `tessera_bench_${process.pid}`
  const cleanup = async () => {
    await redis?.stop()
    if (pg) await dropSchema(pgUrl, pgSchema).catch(() => {})
    rmSync(tmpDir, { recursive: true, force: true })
  }
  try {
    const wantRedis = cases.some((c) => c.needs?.includes('redis'))
    const wantCluster = cases.some((c) => c.needs?.includes('cluster'))
    if (wantRedis || wantCluster) {
      log('starting private redis-server(s)…')
      redis = await startRedisServices({ standalone: wantRedis, cluster: wantCluster })
    }
  } catch (error) {
    await cleanup()
    throw error
  }
  const env: Env = {
    benchDir: BENCH_DIR,
    redisPort: redis?.standalone?.port ?? null,
    redisPid: redis?.standalone?.pid ?? null,
    clusterPorts: redis?.cluster?.map((n) => n.port) ?? null,
    clusterPids: redis?.cluster?.map((n) => n.pid) ?? [],
    postgresUrl: pg ? pgUrl : null,
    postgresSchema: pgSchema,
    benchDeps: deps,
    tmpDir,
    runtime,
  }
  return { env, cases, skipped, postgres: pg, cleanup }
}

/**
 * Runs the benchmark: prepares services, runs the rounds, pools the results and (unless
 * `profile` is false) profiles the slowest Tessera read case. Cases whose package, service or
 * Tessera feature is missing are reported as skipped, never failed.
 *
 * @example
 * const result = await runBench({ quick: true })
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const settings = settingsFrom(options)
  const log = options.log ?? ((line: string) => console.log(line))
  const p = await prepare(selectCases(options.cases ?? null, settings.quick), log, settings.runtime)
  try {
    log(
      `${p.cases.length} cases × ${settings.rounds} round(s), ${settings.warmupMs} ms warm-up + ` +
        `${settings.durationMs} ms measured, ${settings.connections} connections, ${settings.loadgen}`,
    )
    const measure = {
      ...settings,
      checkRequests: options.checkRequests ?? (settings.quick ? 10 : 50),
    }
    const roundsStarted = Date.now()
    const result = await runRounds(p.cases, p.env, { ...measure, log })
    log(`rounds took ${((Date.now() - roundsStarted) / 1000).toFixed(0)} s`)
    const skipped = { ...p.skipped, ...result.skipped }
    const ran = p.cases.filter((c) => !skipped[c.id])
    const derived = derive(ran, result.runs)
    const summary = derived.summary
    // The slowest Tessera read case, the slowest one a default configuration gives (token
    // cases with the verified-token cache off are a stress setting), and the headline case.
    const profiles: ProfileSummary[] = []
    const reads = summary
      .filter((s) => s.group === 'tessera' && s.kind === 'read')
      .sort((a, b) => a.ratio - b.ratio)
    const stress = (id: string) => ['t-token-hs256', 't-token-es256', 't-token-eddsa'].includes(id)
    const toProfile = options.profile
      ? [...new Set([reads[0]?.id, reads.find((s) => !stress(s.id))?.id, 't-memory'])]
      : []
    for (const id of toProfile) {
      const def = ran.find((c) => c.id === id)
      if (!def) continue
      log(`profiling ${id} under load…`)
      const prof = await profileCase(def, p.env, measure, ROOT_DIR)
      if (prof) profiles.push(prof)
    }
    const footprints: Footprint[] = []
    if (options.footprint) {
      for (const id of ['es-redis', 'login-redis', 'login-postgres']) {
        const def = ran.find((c) => c.id === id)
        if (!def) continue
        log(`bytes per session: ${id}…`)
        const f = await footprint(def, p.env, settings.quick ? 200 : 1000)
        if (f) footprints.push(f)
      }
    }
    const wanted = new Set(options.extras ?? [])
    const extras = await runExtras(
      EXTRAS.filter((x) => wanted.has(x.id)),
      BENCH_DIR,
      {
        quick: settings.quick,
        redisUrl: p.env.redisPort ? `redis://127.0.0.1:${p.env.redisPort}` : null,
        postgresUrl: p.env.postgresUrl,
        log,
      },
    )
    return {
      machine: await machineInfo(ROOT_DIR, p.postgres),
      settings,
      ...derived,
      extras,
      skipped,
      runs: result.runs,
      cases: p.cases,
      profiles,
      footprints,
    }
  } finally {
    await p.cleanup()
  }
}

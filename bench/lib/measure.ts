import { join } from 'node:path'
import { type Runtime, serverScript } from './build.js'
import type { CaseDef } from './cases.js'
import { addCsrfTokens, hasCsrfTokens } from './csrf-tokens.js'
import { call } from './http.js'
import { mainThreadCpuUs, machineCpu, processCpuUs, sumCpuUs } from './procfs.js'
import { clusterCommandStats, commandStats, statsDelta } from './services.js'
import { populationSpec, prepareRequest } from './request.js'
import { type LoadSpec, runLoad, startServer } from './spawn.js'

/** Where the services of this benchmark run live. */
export interface Env {
  benchDir: string
  redisPort: number | null
  redisPid: number | null
  clusterPorts: number[] | null
  clusterPids: number[]
  postgresUrl: string | null
  /** A schema private to this benchmark run (dropped at the end). */
  postgresSchema: string
  benchDeps: boolean
  tmpDir: string
  /** How `.ts` servers run. */
  runtime: Runtime
}

/** How to measure. */
export interface MeasureOptions {
  connections: number
  warmupMs: number
  durationMs: number
  loadgen: 'autocannon' | 'builtin'
  /** Sequential requests of the check phase (Set-Cookie and store calls per request). */
  checkRequests: number
  /** Extra node flags for the server (profiling). */
  nodeFlags?: string[] | undefined
}

/** One measured run of one case. */
export interface RunRecord {
  case: string
  round: number
  attempt: number
  rps: number
  p50: number
  p99: number
  ok2xx: number
  non2xx: number
  errors: number
  timeouts: number
  seconds: number
  serverCpuUsPerReq: number
  /** Share of the server's CPU time spent on its main (event-loop) thread. */
  mainThreadShare: number
  loadgenCpuUsPerReq: number
  storeCpuUsPerReq: number | null
  /** CPU used by every other process on the machine during the window, in cores. */
  otherCores: number
  setCookiePerReq: number
  /** Store calls per request in the check phase (Tessera servers only), by method. */
  storeCallsPerReq: Record<string, number> | null
  /** Redis commands per request during the timed window, by command. */
  redisPerReq: Record<string, number> | null
  /** Bytes of the credential header (`Cookie` or `Authorization`) the client sends. */
  credentialBytes: number
  /** The measured window on the monotonic clock, µs (to cut CPU profiles to it). */
  windowUs: [number, number]
  /** What the server reported about its own set-up (SETUP line). */
  setup: Record<string, string | number | boolean>
}

interface Sample {
  t: bigint
  server: number
  main: number
  store: number
  machine: number
}

function redisPorts(def: CaseDef, env: Env): number[] {
  const needs = def.needs ?? []
  if (needs.includes('cluster')) return env.clusterPorts ?? []
  if (needs.includes('redis') && env.redisPort) return [env.redisPort]
  return []
}

function storePids(def: CaseDef, env: Env): number[] {
  const needs = def.needs ?? []
  if (needs.includes('cluster')) return env.clusterPids
  if (needs.includes('redis') && env.redisPid) return [env.redisPid]
  return []
}

async function redisStats(ports: number[]): Promise<Record<string, number> | null> {
  if (ports.length === 0) return null
  return ports.length === 1 ? commandStats(ports[0]!) : clusterCommandStats(ports)
}

async function opCounts(port: number): Promise<Record<string, number> | null> {
  if (!port) return null
  const r = await call(port, { method: 'GET', path: '/' }).catch(() => null)
  return r?.status === 200 && r.body.startsWith('{')
    ? (JSON.parse(r.body) as Record<string, number>)
    : null
}

function expectOk(def: CaseDef, r: { status: number; body: string }): void {
  const ok = r.status === 200 && (def.kind === 'login' || r.body.includes('"user"'))
  if (!ok) throw new Error(`${def.id}: check request answered ${r.status} ${r.body.slice(0, 200)}`)
}

/**
 * Measures one case once: starts its server, logs in, checks the request (200, the user in the
 * body, Set-Cookie and store calls over `checkRequests` sequential requests), then runs the
 * load generator and samples CPU from /proc exactly around its measured window.
 *
 * @example
 * const rec = await measureCase(def, 0, env, options)
 */
export async function measureCase(
  def: CaseDef,
  round: number,
  env: Env,
  options: MeasureOptions,
): Promise<RunRecord | { skip: string }> {
  const popFile = join(env.tmpDir, 'population.txt')
  const start = () =>
    startServer(
      {
        file: serverScript(env.benchDir, def.server, env.runtime),
        nodeFlags: options.nodeFlags,
        env: {
          ...def.env,
          ...(def.population
            ? { POPULATION: String(def.population.sessions), POPULATION_FILE: popFile }
            : {}),
          BENCH_TMP: env.tmpDir,
          ...(env.redisPort ? { REDIS_URL: `redis://127.0.0.1:${env.redisPort}` } : {}),
          ...(env.clusterPorts
            ? { REDIS_CLUSTER_URL: env.clusterPorts.map((p) => `redis://127.0.0.1:${p}`).join(',') }
            : {}),
          ...(env.postgresUrl
            ? { DATABASE_URL: env.postgresUrl, BENCH_PG_SCHEMA: env.postgresSchema }
            : {}),
        },
      },
      // Seeding a population through a network store takes a while on a loaded machine.
      def.population ? 300_000 : 30_000,
    )
  let server = await start()
  if ('skip' in server) return server
  if (def.population?.csrf && !hasCsrfTokens(popFile)) {
    // The first server of the run mints the tokens; the load goes to a fresh one, so that no
    // round starts with the minting's cached secrets and heap.
    try {
      await addCsrfTokens(server.port, populationSpec(def, popFile, server.setup))
    } finally {
      await server.stop()
    }
    server = await start()
    if ('skip' in server) return server
  }
  try {
    const population = def.population ? populationSpec(def, popFile, server.setup) : undefined
    const spec = await prepareRequest(def, server.port, population)
    expectOk(def, await call(server.port, spec))
    const ports = redisPorts(def, env)
    const ops0 = await opCounts(server.opsPort)
    let setCookies = 0
    for (let i = 0; i < options.checkRequests; i++) {
      const r = await call(server.port, spec)
      expectOk(def, r)
      setCookies += r.headers['set-cookie']?.length ?? 0
    }
    const ops1 = await opCounts(server.opsPort)
    const storeCalls = ops0 && ops1 ? statsDelta(ops0, ops1, options.checkRequests) : null

    const pids = storePids(def, env)
    const sample = (): Sample => ({
      t: process.hrtime.bigint(),
      server: processCpuUs(server.pid) ?? 0,
      main: mainThreadCpuUs(server.pid) ?? 0,
      store: sumCpuUs(pids),
      machine: machineCpu().busyUs,
    })
    let s0: Sample | null = null
    let s1: Sample | null = null
    let r0: Promise<Record<string, number> | null> = Promise.resolve(null)
    let r1: Promise<Record<string, number> | null> = Promise.resolve(null)
    const load: LoadSpec = {
      url: `http://127.0.0.1:${server.port}${spec.path}`,
      method: spec.method,
      headers: spec.headers ?? {},
      body: spec.body,
      connections: options.connections,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      population,
    }
    const result = await runLoad(join(env.benchDir, 'loadgen', `${options.loadgen}.mjs`), load, {
      onStart: () => {
        s0 = sample()
        r0 = redisStats(ports)
      },
      onEnd: () => {
        s1 = sample()
        r1 = redisStats(ports)
      },
    })
    if (!s0 || !s1) throw new Error(`${def.id}: the load generator never opened its window`)
    const a = s0 as Sample
    const b = s1 as Sample
    const [redis0, redis1] = await Promise.all([r0, r1])
    const n = Math.max(1, result.ok2xx + result.non2xx)
    const wallUs = Number(b.t - a.t) / 1000
    const serverUs = b.server - a.server
    const storeUs = b.store - a.store
    const other = b.machine - a.machine - serverUs - storeUs - result.loadgenCpuUs
    const cred = spec.headers?.cookie ?? spec.headers?.authorization ?? ''
    return {
      case: def.id,
      round,
      attempt: 0,
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      ok2xx: result.ok2xx,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds: result.seconds,
      serverCpuUsPerReq: serverUs / n,
      mainThreadShare: serverUs > 0 ? (b.main - a.main) / serverUs : Number.NaN,
      loadgenCpuUsPerReq: result.loadgenCpuUs / n,
      storeCpuUsPerReq: pids.length ? storeUs / n : null,
      otherCores: Math.max(0, other / wallUs),
      setCookiePerReq: setCookies / options.checkRequests,
      storeCallsPerReq: storeCalls,
      redisPerReq: redis0 && redis1 ? statsDelta(redis0, redis1, n) : null,
      credentialBytes: Buffer.byteLength(cred),
      windowUs: [Number(a.t / 1000n), Number(b.t / 1000n)],
      setup: server.setup,
    }
  } finally {
    await server.stop()
  }
}

import {
  createSessions,
  type DeviceInfo,
  type Plugin,
  type SessionManager,
  type SessionStore,
} from 'tessera-session'
import { describeSetup, nextLoginUser, skip, USER } from '../serve.mjs'
import { SEEN_AHEAD_MS, seedPopulation, USER_AGENTS } from './population.js'
import { benchStore, countingStore, type OpCounts } from './stores.js'

/** The origin the harness sends on unsafe requests (the CSRF layer must accept it). */
export const BENCH_ORIGIN = 'http://bench.localhost'

/** A Tessera set-up for one benchmark server. */
export interface BenchSessions {
  sessions: SessionManager
  plugins: Plugin[]
  counts: OpCounts
}

interface BenchMonitoring {
  instrument: (store: SessionStore) => SessionStore
  deviceParser: (userAgent: string) => DeviceInfo
  start: (sessions: SessionManager) => Plugin[]
}

async function monitoring(): Promise<BenchMonitoring> {
  try {
    const m = await import('tessera-session/monitoring')
    const metrics = new m.SessionMetrics()
    const audit = new m.AuditLog(m.memoryAudit())
    return {
      instrument: (s) => m.instrumentStore(s, metrics),
      deviceParser: m.createDeviceParser(),
      // The reference app's wiring: JSON event lines, audit log, metrics, anomaly rules.
      start: (sessions) => m.monitor(sessions, { metrics, audit }).plugins,
    }
  } catch (error) {
    return skip(`monitoring: ${error instanceof Error ? error.message : error}`)
  }
}

/**
 * Builds the session manager a Tessera benchmark server uses, from the environment:
 * `STORE` (memory, sqlite, redis, redis-cluster, postgres), `PLUGINS` (comma-separated:
 * `headers`, `csrf`), `MONITORING=1` and `POPULATION=<n>` (+ `POPULATION_FILE`: n live sessions
 * seeded through the store before the server listens). The per-user cap is on (5, evict-oldest), so the
 * login benchmark exercises it. Store calls are counted beneath any monitoring wrapper.
 *
 * @example
 * const { sessions, plugins, counts } = await benchSessions()
 */
export async function benchSessions(): Promise<BenchSessions> {
  const { store, counts } = countingStore(await benchStore(process.env.STORE ?? 'memory'))
  await store.ping()
  const mon = process.env.MONITORING === '1' ? await monitoring() : null
  const sessions = createSessions({
    store: mon ? mon.instrument(store) : store,
    deviceParser: mon?.deviceParser,
    maxSessionsPerUser: 5,
    limitPolicy: 'evict-oldest',
  })
  const population = Number(process.env.POPULATION ?? 0)
  const setup: Record<string, string | number | boolean> = {
    // What this process actually runs: tsc's JavaScript output or TypeScript through tsx.
    runtime: import.meta.url.endsWith('.ts')
      ? 'TypeScript through tsx'
      : 'JavaScript emitted by tsc',
    store: process.env.STORE ?? 'memory',
    cookieName: sessions.options.cookie.name,
  }
  if (population > 0) {
    const file = process.env.POPULATION_FILE ?? skip('POPULATION_FILE is required')
    const seeded = await seedPopulation(store, population, file, sessions.options)
    setup.seededSessions = population
    setup.seedReused = seeded.reused
    setup.lastSeenAheadS = SEEN_AHEAD_MS / 1000
    setup.userAgents = JSON.stringify(USER_AGENTS)
    setup.userAgentCount = USER_AGENTS.length
    setup.seedSeconds = Math.round(seeded.ms / 100) / 10
  }
  describeSetup(setup)
  const plugins: Plugin[] = mon ? mon.start(sessions) : []
  for (const name of (process.env.PLUGINS ?? '').split(',').filter(Boolean)) {
    if (name === 'headers') {
      const { securityHeaders } = await import('tessera-session/headers')
      plugins.push(securityHeaders())
    } else if (name === 'csrf') {
      const { csrf } = await import('tessera-session/csrf')
      // /login is the bench's own set-up step (a real login form carries a pre-session token).
      plugins.push(csrf({ sessions, origins: [BENCH_ORIGIN], exemptPaths: ['/login'] }))
    } else skip(`unknown plugin ${name}`)
  }
  return { sessions, plugins, counts }
}

/**
 * The user stored at login: the demo user, with the id from `?u=` or the next rotating one.
 *
 * @example
 * loginUser('u=u1') // { id: 'u1', name: 'alice', role: 'user' }
 */
export function loginUser(query: string): { id: string; name: string; role: string } {
  const u = query ? new URLSearchParams(query).get('u') : null
  return { ...USER, id: u ?? nextLoginUser() }
}

import { AsyncLocalStorage } from 'node:async_hooks'
import type { Scheduler } from 'fast-check'
import type { manualClock } from '../../src/core/clock.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import type { SessionStore } from '../../src/core/store.js'
import type { KeySet } from '../../src/jwt/key-set.js'
import { createTokenMode, type TokenMode } from '../../src/jwt/token-mode.js'
import { Gate } from './gate.js'
import { gatedStore } from './gated-store.js'
import { Model } from './model.js'

/** The configuration every schedule runs under (durations in ms). */
export const LIMITS = Object.freeze({
  idleMs: 30 * 60_000,
  absoluteMs: 2 * 60 * 60_000,
  renewalMs: 2 * 60_000,
  graceMs: 15_000,
  /** Small, so that four browsers and two API clients of one user overflow it. */
  cap: 2,
})

/** The cookie name the managers use (the default). */
export const COOKIE = '__Host-sid'

/** A browser: one cookie jar, and the user it signs in as. */
export interface Browser {
  name: string
  userId: string
  cookie: string | null
}

/** An API client of the token mode: the newest refresh token it holds. */
export interface ApiClient {
  name: string
  userId: string
  refresh: string | null
  gen: number
  family: string | null
}

/** Operation outcomes over a whole suite: op name → outcome (`ok`, an error code) → count. */
export type Stats = Map<string, Map<string, number>>

/** What a world is built from; the backend and its clock outlive each schedule. */
export interface WorldParts {
  store: SessionStore
  clock: ReturnType<typeof manualClock>
  keys: KeySet
  s: Scheduler
  /** Unique per schedule, so schedules sharing one backend never see each other's users. */
  runId: string
  stats: Stats
  /** Store calls overlap at the backend instead of running one at a time (see {@link Gate}). */
  overlap: boolean
}

const REFRESH_SECRET = 'c'.repeat(43)
const LABELS = process.env.CONCURRENCY_LABELS === '1'

/**
 * One schedule's system under test: a session manager (and token mode) whose every store call
 * is released by the scheduler, a second manager over the same backend without the scheduler
 * for the invariant probes, browsers and API clients, and the model.
 *
 * @example
 * const world = new World({ store, clock, keys, s, runId: 'r1', stats })
 */
export class World {
  readonly store: SessionStore
  readonly clock: ReturnType<typeof manualClock>
  readonly gate: Gate
  readonly s: Scheduler
  readonly sessions: SessionManager
  readonly tokens: TokenMode
  /** Reads the backend directly (no scheduler): for invariant checks between steps. */
  readonly probe: SessionManager
  readonly probeTokens: TokenMode
  readonly model = new Model()
  readonly users: string[]
  readonly browsers: Browser[]
  readonly clients: ApiClient[]
  readonly stats: Stats
  readonly #who = new AsyncLocalStorage<string>()
  #ops = 0

  constructor(p: WorldParts) {
    this.store = p.store
    this.clock = p.clock
    this.s = p.s
    this.stats = p.stats
    this.gate = new Gate(p.s, p.overlap)
    const options = {
      clock: p.clock,
      production: false,
      idleTimeout: LIMITS.idleMs,
      absoluteTimeout: LIMITS.absoluteMs,
      renewal: { interval: LIMITS.renewalMs, grace: LIMITS.graceMs },
      maxSessionsPerUser: LIMITS.cap,
      limitPolicy: 'evict-oldest' as const,
    }
    const gated = gatedStore(p.store, this.gate, () => this.#who.getStore() ?? '?')
    this.sessions = createSessions({ ...options, store: gated })
    this.probe = createSessions({ ...options, store: p.store })
    const tokenOptions = {
      keys: p.keys,
      issuer: 'https://bank.example',
      audience: 'bank-api',
      refreshSecret: REFRESH_SECRET,
    }
    this.tokens = createTokenMode({ ...tokenOptions, sessions: this.sessions })
    this.probeTokens = createTokenMode({ ...tokenOptions, sessions: this.probe })
    // Evictions are the one way a session may end without a request that ends it.
    this.sessions.on((e) => {
      if (e.type === 'excess_sessions_exceeded' && e.handle) this.model.evicted.add(e.handle)
    })
    this.users = [`${p.runId}-alice`, `${p.runId}-bob`]
    const [alice, bob] = this.users as [string, string]
    this.browsers = [alice, alice, alice, bob].map((userId, i) => ({
      name: `b${i}`,
      userId,
      cookie: null,
    }))
    this.clients = [alice, bob].map((userId, i) => ({
      name: `t${i}`,
      userId,
      refresh: null,
      gen: -1,
      family: null,
    }))
  }

  /**
   * Runs `fn` as the request `label`. With `CONCURRENCY_LABELS=1` its store calls carry the
   * label in the schedule's report (async context tracking slows every promise down, so it
   * is off by default; a counterexample replays the same with it on).
   */
  as<T>(label: string, fn: (name: string) => Promise<T>): Promise<T> {
    const name = `${label}#${++this.#ops}`
    return this.gate.track(() => (LABELS ? this.#who.run(name, () => fn(name)) : fn(name)))
  }

  /** Counts an outcome of `op`. */
  count(op: string, outcome: string): void {
    let m = this.stats.get(op)
    if (!m) {
      m = new Map()
      this.stats.set(op, m)
    }
    m.set(outcome, (m.get(outcome) ?? 0) + 1)
  }
}

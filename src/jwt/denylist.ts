import { type Clock, systemClock } from '../core/clock.js'
import { assertKnownKeys } from '../internal/strict.js'

/**
 * Where the `stateless+denylist` revocation mode records what it refused to honour. Checked on
 * every request, so `isDenied` is synchronous; a shared implementation keeps a local copy that
 * it updates from a shared channel (pub/sub), it never makes a network call per request.
 *
 * @example
 * const denylist: Denylist = memoryDenylist()
 * denylist.denySession(handle, Date.now() + 5 * 60_000)
 */
export interface Denylist {
  /** Refuses the access token `jti` until `untilMs` (its `exp`). */
  denyToken(jti: string, untilMs: number): void
  /** Refuses every access token of session `sid` until `untilMs` (the longest token lifetime). */
  denySession(sid: string, untilMs: number): void
  /** True when the token or its session was denied and the entry has not lapsed. */
  isDenied(jti: string, sid: string, nowMs: number): boolean
  /** Entries currently held. */
  readonly size: number
}

/** Options of {@link memoryDenylist}. */
export interface MemoryDenylistOptions {
  /** Clock for sweeping lapsed entries (share the session manager's). Default the system clock. */
  clock?: Clock | undefined
  /** Entries after which lapsed ones are swept on the next insert. Default 10 000. */
  sweepAbove?: number
}

/**
 * The per-process denylist: two maps of id → lapse instant. Entries live only until the tokens
 * they refuse would have expired anyway, so the lists stay as small as the revocations of one
 * access-token lifetime. It is NOT shared between processes: a revocation in one process is
 * honoured by the others only when they learn of it (their own events), or when the tokens
 * expire (at most the access-token lifetime, 5 minutes by default).
 *
 * @example
 * const tokens = createTokenMode({ …, revocation: 'stateless+denylist', denylist: memoryDenylist() })
 */
export function memoryDenylist(options: MemoryDenylistOptions = {}): Denylist {
  assertKnownKeys(options, ['clock', 'sweepAbove'], 'memoryDenylist()')
  const clock = options.clock ?? systemClock
  const tokens = new Map<string, number>()
  const sessions = new Map<string, number>()
  let sweepAbove = options.sweepAbove ?? 10_000
  const sweep = (now: number) => {
    for (const map of [tokens, sessions])
      for (const [k, until] of map) if (until <= now) map.delete(k)
    // Grow the threshold with the live set, so a large live set is not swept on every insert.
    sweepAbove = Math.max(sweepAbove, 2 * (tokens.size + sessions.size))
  }
  const put = (map: Map<string, number>, key: string, until: number) => {
    map.set(key, Math.max(until, map.get(key) ?? 0))
    if (tokens.size + sessions.size > sweepAbove) sweep(clock.now())
  }
  return {
    denyToken: (jti, until) => put(tokens, jti, until),
    denySession: (sid, until) => put(sessions, sid, until),
    isDenied(jti, sid, now) {
      // Two map lookups on the hot path; lapsed entries read as absent.
      const t = tokens.get(jti)
      if (t !== undefined && t > now) return true
      const s = sessions.get(sid)
      return s !== undefined && s > now
    },
    get size() {
      return tokens.size + sessions.size
    },
  }
}

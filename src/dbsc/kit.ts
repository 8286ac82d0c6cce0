// What both endpoints share: the options, the two MACs, events, the bound cookie, the
// compare-and-set of the binding and the throttle.
import { serializeCookie } from '../core/cookie.js'
import type { EventLevel, SessionEventType } from '../core/events.js'
import type { SessionRecord } from '../core/record.js'
import type { RequestContext } from '../pipeline/types.js'
import { AnomalyGate } from './anomaly.js'
import { BoundCookieMac, RegistrationChallenges } from './macs.js'
import type { ResolvedDbsc } from './options.js'
import { type DbscReply, refused } from './protocol.js'
import { BINDING_KEY, type Binding } from './state.js'

/** Shared state of one `createDbsc`. */
export interface Kit {
  o: ResolvedDbsc
  bound: BoundCookieMac
  registration: RegistrationChallenges
  anomalies: AnomalyGate
}

/** Compare-and-set rounds: each lost one means another request changed this very session. */
const ROUNDS = 6
/**
 * The server accepts a bound cookie this much longer than the browser keeps it (`Max-Age`), so
 * a request sent in its last second is not taken for a stolen cookie on arrival.
 */
const ARRIVAL_GRACE_MS = 30_000

/**
 * Builds the kit once, at start-up.
 *
 * @example
 * const kit = makeKit(resolveDbscOptions(options))
 */
export function makeKit(o: ResolvedDbsc): Kit {
  return {
    o,
    bound: new BoundCookieMac(o.secret),
    registration: new RegistrationChallenges(o.secret),
    anomalies: new AnomalyGate(),
  }
}

/**
 * Emits a DBSC event about the request's session.
 *
 * @example
 * emit(kit, ctx, 'dbsc_refresh_failed', 'warn', record, 'stale_challenge')
 */
export function emit(
  kit: Kit,
  ctx: RequestContext,
  type: SessionEventType,
  level: EventLevel,
  record: Readonly<SessionRecord> | null,
  reason?: string,
): void {
  const r = ctx.session.request
  kit.o.sessions.emit({
    type,
    level,
    userId: record?.userId ?? null,
    handle: record?.handle ?? null,
    ip: r.ip,
    userAgent: r.userAgent,
    reason,
  })
}

/**
 * Emits an event that a client can repeat at will (`session_anomaly` for a missing or bad bound
 * cookie, `dbsc_refresh_failed`): the first per session (or, without one, per address), type
 * and reason per minute at once, the rest counted onto the next one (see {@link AnomalyGate}).
 *
 * @example
 * emitLimited(kit, ctx, 'session_anomaly', 'critical', record, 'dbsc_missing')
 */
export function emitLimited(
  kit: Kit,
  ctx: RequestContext,
  type: SessionEventType,
  level: EventLevel,
  record: Readonly<SessionRecord> | null,
  reason: string,
): void {
  const now = kit.o.sessions.options.clock.now()
  // Without a session (a refresh after logout), the client's address stands in for it.
  const about = record?.handle ?? `ip:${ctx.session.request.ip ?? ''}`
  const out = kit.anomalies.pass(`${about}\n${type}`, reason, now)
  if (out !== null) emit(kit, ctx, type, level, record, out)
}

/**
 * The bound cookie's `Set-Cookie` for binding `id`, valid for the configured lifetime.
 *
 * @example
 * headers.push(['set-cookie', boundCookie(kit, binding.id, now)])
 */
export function boundCookie(kit: Kit, id: string, now: number): string {
  const expiresAt = now + kit.o.boundTtlMs + ARRIVAL_GRACE_MS
  return serializeCookie(
    kit.o.cookie.name,
    kit.bound.value(id, expiresAt),
    kit.o.cookieAttributes,
    kit.o.boundTtlMs / 1000,
  )
}

/** The clearing `Set-Cookie` of the bound cookie (same attributes). */
export function clearBoundCookie(kit: Kit): string {
  return serializeCookie(kit.o.cookie.name, '', kit.o.cookieAttributes, 0)
}

/**
 * Writes the binding `next` computes from the current record, as a compare-and-set on the
 * record version; a lost race computes again from the record the store holds now (a renewal
 * successor, a newer version, the record a re-authentication wrote under the same handle). `next` returns a string to give up with that reason; `ended`
 * is returned when the session is gone.
 *
 * @example
 * const r = await casBinding(kit, record, (rec) => (bindingOf(rec) ? 'replayed' : fresh))
 */
export async function casBinding(
  kit: Kit,
  start: Readonly<SessionRecord>,
  next: (record: Readonly<SessionRecord>) => Binding | string,
): Promise<{ ok: true; binding: Binding } | { ok: false; reason: string }> {
  const sessions = kit.o.sessions
  let record: Readonly<SessionRecord> | null = start
  for (let round = 0; round < ROUNDS && record !== null; round++) {
    const binding = next(record)
    if (typeof binding === 'string') return { ok: false, reason: binding }
    const patch = { set: { [BINDING_KEY]: binding }, expectVersion: record.version }
    if (await sessions.updateRecord(record.id, patch)) return { ok: true, binding }
    record = (await sessions.getRecord(record.id)) ?? (await successor(kit, record))
  }
  return { ok: false, reason: record === null ? 'ended' : 'conflict' }
}

// A re-authentication replaced the record under a new id with no alias (regenerate), carrying
// the binding: find it by its handle, which stays. Only on a lost race, so one list read is
// fine; `next` then judges it (a logout or revocation left none, a password change no binding).
async function successor(
  kit: Kit,
  gone: Readonly<SessionRecord>,
): Promise<Readonly<SessionRecord> | null> {
  const userId = gone.userId
  if (userId === null) return null
  const sessions = kit.o.sessions
  const records = await sessions.storeCall((store) => store.listByUser(userId))
  const now = sessions.options.clock.now()
  const found = records.find((r) => r.handle === gone.handle)
  return found && now < found.idleExpiresAt && now < found.absoluteExpiresAt ? found : null
}

/** An open throttle try: `settle(true)` gives it back (a valid proof is never counted). */
export interface ThrottleTry {
  settle(valid: boolean): Promise<void>
}

const FREE: ThrottleTry = { settle: async () => {} }

/**
 * Counts a try on the client's address budget before signature work, or answers 429 with
 * `Retry-After` when it is spent.
 *
 * @example
 * const t = await throttle(kit, ctx); if ('status' in t) return t
 */
export async function throttle(kit: Kit, ctx: RequestContext): Promise<ThrottleTry | DbscReply> {
  const t = kit.o.throttle
  if (t === null) return FREE
  const attempt = await t.begin({ ip: ctx.session.request.ip })
  if (!attempt.ok)
    return refused(429, 'ERR_TOO_MANY_REQUESTS', 'too many attempts; try again later', [
      ['retry-after', String(attempt.retryAfterSec)],
    ])
  return { settle: (valid) => (valid ? attempt.cancel() : Promise.resolve()) }
}

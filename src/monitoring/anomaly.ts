import type { Clock } from '../core/clock.js'
import { type Duration, parseDuration } from '../core/duration.js'
import type { SessionEvent } from '../core/events.js'
import type { SessionManager } from '../core/manager.js'
import type { DeviceInfo } from '../core/record.js'
import type { Plugin, RequestContext } from '../pipeline/types.js'
import { FLAG_KEY, IP_KEY, REAUTH, UA_KEY } from './anomaly-keys.js'
import { bearerAnomaly } from './bearer-anomaly.js'
import { createDeviceParser } from './device.js'
import { GuessingDetector } from './guessing.js'
import { KnownDevices, type NewDeviceOptions } from './known-devices.js'
import { assertKnownKeys, optionKeys, refuseTinyDuration } from '../internal/strict.js'

/** Options of {@link anomalyRules}. Every rule has a default; `'off'`/`false` disables it. */
export interface AnomalyOptions {
  /** The manager whose sessions are watched and through which events are emitted. */
  sessions: SessionManager
  /** Source of "now". Default the manager's clock. */
  clock?: Clock | undefined
  /** UA parser; pass a cached one (share the manager's). Default: a new {@link createDeviceParser}. */
  deviceParser?: ((userAgent: string) => DeviceInfo) | undefined
  /** Browser family differs from the login's: `end` (default) the session, or just `log`. */
  userAgentChange?: 'end' | 'log' | 'off' | undefined
  /** Client IP differs from the login's: `log` (default), `reauth` (401 until re-authenticated), `end`. */
  ipChange?: 'log' | 'reauth' | 'end' | 'off' | undefined
  /** Paths still served while `reauth` is pending. Default: the reference app's re-auth and logout. */
  reauthPaths?: readonly string[] | undefined
  /** Login (cookie or token) from a device new for the user: an info event. Default on. */
  newDevice?: NewDeviceOptions | false | undefined
  /**
   * Many unknown/malformed tokens from one IP: one critical event per window while it lasts.
   * Detection only: no request is ever refused for it. Default 20 per 1 min.
   */
  guessing?: { max?: number; window?: Duration; maxClients?: number } | false | undefined
}

/** Defaults of {@link anomalyRules}, as data. */
export const ANOMALY_DEFAULTS = Object.freeze({
  userAgentChange: 'end' as const,
  ipChange: 'log' as const,
  reauthPaths: Object.freeze(['/api/reauth', '/security/reauth', '/api/logout', '/logout']),
  guessing: Object.freeze({ max: 20, window: '1m', maxClients: 10_000 }),
})

const ANOMALY_KEYS = optionKeys<AnomalyOptions>({
  sessions: true,
  clock: true,
  deviceParser: true,
  userAgentChange: true,
  ipChange: true,
  reauthPaths: true,
  newDevice: true,
  guessing: true,
})

/**
 * The anomaly plugin (cookie sessions; place it first); `bearer` holds the same rules for
 * bearer requests (place it after `bearerAuth`); `close()` unsubscribes from the events.
 */
export type AnomalyPlugin = Plugin & { readonly bearer: Plugin; close(): void }

/**
 * Anomaly rules as a pipeline plugin. On ordinary requests they compare two strings with what
 * the session recorded at login (no store round trip); parsing happens only when the
 * User-Agent string changed, through a cache. Writes happen only when a rule fires.
 *
 * - User-Agent family change (e.g. Firefox → curl) within a session: `session_anomaly`
 *   (`ua_change`, critical) and the session ends (default) — the request continues without it.
 * - IP change: `session_anomaly` (`ip_change`, warn) once per new IP (default), or a 401
 *   `ERR_REAUTH_REQUIRED` until the user re-authenticates, or the end of the session.
 * - Login (cookie or token) from a new device for the user: `session_anomaly` (`new_device`, info).
 * - Token guessing: over 20 unknown or malformed tokens per minute from one IP → one
 *   `session_anomaly` (`token_guessing`, critical) per minute while it lasts. Nothing is
 *   refused: those requests are served as anonymous with their cookie cleared, and the
 *   address's valid sessions and cookie-less requests are untouched (see {@link GuessingDetector}).
 *
 * The User-Agent and IP rules apply to bearer requests through `rules.bearer`, placed after
 * `bearerAuth` (see {@link bearerAnomaly}).
 *
 * @example
 * const rules = anomalyRules({ sessions, ipChange: 'reauth' })
 * app.use(expressSessions(sessions, { plugins: [rules, bearerAuth(tokens), rules.bearer] }))
 */
export function anomalyRules(options: AnomalyOptions): AnomalyPlugin {
  assertKnownKeys(options, ANOMALY_KEYS, 'anomalyRules()')
  if (options.guessing)
    assertKnownKeys(options.guessing, ['max', 'window', 'maxClients'], 'anomalyRules() guessing')
  refuseTinyDuration(options.guessing && options.guessing.window, 'guessing.window', 1000)
  const sessions = options.sessions
  const clock = options.clock ?? sessions.options.clock
  const parse = options.deviceParser ?? createDeviceParser()
  const uaMode = options.userAgentChange ?? ANOMALY_DEFAULTS.userAgentChange
  const ipMode = options.ipChange ?? ANOMALY_DEFAULTS.ipChange
  const reauthPaths = new Set(options.reauthPaths ?? ANOMALY_DEFAULTS.reauthPaths)
  const g =
    options.guessing === false ? null : { ...ANOMALY_DEFAULTS.guessing, ...options.guessing }

  const anomaly = (
    ctx: RequestContext | null,
    base: Partial<SessionEvent>,
    level: SessionEvent['level'],
    reason: string,
  ): void => {
    const s = ctx?.session
    sessions.emit({
      type: 'session_anomaly',
      level,
      reason,
      userId: base.userId ?? s?.userId ?? null,
      handle: base.handle ?? s?.handle ?? null,
      ip: base.ip ?? ctx?.input.ip,
      userAgent: base.userAgent ?? ctx?.input.header('user-agent'),
    })
  }

  const known =
    options.newDevice === false
      ? null
      : new KnownDevices(parse, options.newDevice ?? {}, (login) =>
          anomaly(null, login, 'info', 'new_device'),
        )

  const guesses = g
    ? new GuessingDetector(
        {
          max: g.max,
          windowMs: parseDuration(g.window, 'guessing.window'),
          maxClients: g.maxClients,
        },
        (e) => anomaly(null, { ip: e.ip, userAgent: e.userAgent }, 'critical', 'token_guessing'),
      )
    : null

  const off = sessions.on((e) => {
    guesses?.onEvent(e, clock.now())
    known?.onEvent(e)
  })

  const end = async (ctx: RequestContext, level: SessionEvent['level'], reason: string) => {
    anomaly(ctx, {}, level, reason)
    await ctx.session.destroy({ reason: 'anomaly' })
    return undefined
  }

  const checkIp = (ctx: RequestContext, ip: string, loginIp: string) => {
    const s = ctx.session
    const accepted = (s.get(IP_KEY) as string | undefined) ?? loginIp
    if (ip === accepted) return undefined
    if (ipMode === 'end') return end(ctx, 'critical', 'ip_change')
    if (ipMode === 'log') {
      anomaly(ctx, {}, 'warn', 'ip_change')
      s.set(IP_KEY, ip) // one write per new IP, so it is reported once
      return undefined
    }
    // The flag remembers which authentication was in force when the IP changed; only a later
    // one (a re-authentication) clears it, so the login itself never counts, however fresh.
    const flagged = s.get(FLAG_KEY) as number | undefined
    const authAt = s.record?.authenticatedAt ?? -1
    if (flagged !== undefined && authAt > flagged) {
      s.set(IP_KEY, ip)
      s.delete(FLAG_KEY)
      return undefined
    }
    const open = reauthPaths.has(ctx.input.path)
    if (flagged !== undefined) return open ? undefined : REAUTH
    anomaly(ctx, {}, 'warn', 'ip_change')
    s.set(FLAG_KEY, authAt)
    // An allowed path is committed as usual (a re-authentication there carries the flag over).
    // A rejected request is not committed by the pipeline: store the flag now, once.
    return open ? undefined : s.commit().then(() => REAUTH)
  }

  const bearer = bearerAnomaly({
    sessions,
    parse,
    userAgentChange: uaMode,
    ipChange: ipMode,
    report: (ctx, about, level, reason) => anomaly(ctx, about, level, reason),
  })

  return {
    name: 'anomaly',
    bearer,
    close: off,
    onRequest(ctx) {
      const ip = ctx.input.ip
      const r = ctx.session.record
      if (!r?.userId) return undefined
      if (uaMode !== 'off' && r.meta.userAgent !== undefined) {
        const ua = ctx.input.header('user-agent') ?? ''
        // The common case is the very same string: no parsing at all.
        const accepted = (ctx.session.get(UA_KEY) as string | undefined) ?? r.meta.userAgent
        if (ua !== accepted && parse(ua).browser !== parse(accepted).browser) {
          if (uaMode === 'end') return end(ctx, 'critical', 'ua_change')
          anomaly(ctx, {}, 'warn', 'ua_change')
          ctx.session.set(UA_KEY, ua) // reported once per new browser
        }
      }
      if (ipMode !== 'off' && ip && r.meta.ip) return checkIp(ctx, ip, r.meta.ip)
      return undefined
    },
  }
}

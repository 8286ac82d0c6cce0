import type { SessionEvent } from '../core/events.js'
import type { SessionManager } from '../core/manager.js'
import type { StoredRecord as SessionRecord } from '../core/handle.js'
import type { DeviceInfo } from '../core/record.js'
import type { Plugin, Rejection, RequestContext } from '../pipeline/types.js'
import type { AccessAuth } from '../jwt/token-mode.js'
import { FLAG_KEY, IP_KEY, REAUTH, UA_KEY } from './anomaly-keys.js'

/** What the bearer rules share with the cookie-session rules of `anomalyRules`. */
export interface BearerRuleSet {
  sessions: SessionManager
  parse: (userAgent: string) => DeviceInfo
  userAgentChange: 'end' | 'log' | 'off'
  ipChange: 'log' | 'reauth' | 'end' | 'off'
  /** Emits a `session_anomaly` for the request, about the given user and session. */
  report(
    ctx: RequestContext,
    about: Pick<SessionEvent, 'userId' | 'handle'>,
    level: SessionEvent['level'],
    reason: string,
  ): void
}

/**
 * The anomaly rules for bearer requests: the User-Agent and IP rules applied to the token
 * session behind a verified access token, against the address and browser of the token login.
 * Place it after `bearerAuth`, which puts the token and its session on `ctx.locals.bearer`.
 * Stateless tokens (`stateless+denylist`) carry no session record, so they are not checked.
 *
 * - `end` revokes the token session (every access and refresh token of it); the request goes
 *   on without the bearer identity, so protected routes answer 401.
 * - `log` reports once per new browser or address (one store write when it fires).
 * - `reauth` (IP rule) answers 401 `ERR_REAUTH_REQUIRED`: a token client re-authenticates by
 *   signing in again, which starts a session at the new address.
 *
 * @example
 * const rules = anomalyRules({ sessions })
 * createPipeline(sessions, [rules, csrf(…), bearerAuth(tokens), rules.bearer])
 */
export function bearerAnomaly(rules: BearerRuleSet): Plugin {
  const remember = (record: SessionRecord, key: string, value: unknown) =>
    rules.sessions.updateRecord(record.id, { set: { [key]: value } }).then(() => undefined)

  const end = async (ctx: RequestContext, record: SessionRecord, reason: string) => {
    rules.report(ctx, record, 'critical', reason)
    // A token session always has its user (authenticate checked it against `sub`).
    if (record.userId !== null)
      await rules.sessions.revoke(record.handle, { owner: record.userId, reason: 'anomaly' })
    delete ctx.locals.bearer
    ctx.locals.bearerRefused = 'revoked'
    return undefined
  }

  const checkIp = (
    ctx: RequestContext,
    record: SessionRecord,
    ip: string,
  ): Rejection | undefined | Promise<Rejection | undefined> => {
    const accepted = (record.data[IP_KEY] as string | undefined) ?? record.meta.ip
    if (ip === accepted) return undefined
    if (rules.ipChange === 'end') return end(ctx, record, 'ip_change')
    if (rules.ipChange === 'log') {
      rules.report(ctx, record, 'warn', 'ip_change')
      return remember(record, IP_KEY, ip)
    }
    if (record.data[FLAG_KEY] !== undefined) return REAUTH
    rules.report(ctx, record, 'warn', 'ip_change')
    return remember(record, FLAG_KEY, record.authenticatedAt ?? -1).then(() => REAUTH)
  }

  return {
    name: 'anomaly-bearer',
    onRequest(ctx) {
      const record = (ctx.locals.bearer as AccessAuth | undefined)?.record
      if (!record?.userId) return undefined
      let saved: Promise<undefined> | undefined
      if (rules.userAgentChange !== 'off' && record.meta.userAgent !== undefined) {
        const ua = ctx.input.header('user-agent') ?? ''
        const accepted = (record.data[UA_KEY] as string | undefined) ?? record.meta.userAgent
        // The common case is the very same string: no parsing at all.
        if (ua !== accepted && rules.parse(ua).browser !== rules.parse(accepted).browser) {
          if (rules.userAgentChange === 'end') return end(ctx, record, 'ua_change')
          rules.report(ctx, record, 'warn', 'ua_change')
          saved = remember(record, UA_KEY, ua)
        }
      }
      const ip = ctx.input.ip
      const verdict =
        rules.ipChange === 'off' || !ip || !record.meta.ip ? undefined : checkIp(ctx, record, ip)
      return saved ? saved.then(() => verdict) : verdict
    },
  }
}

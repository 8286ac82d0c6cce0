import type { Budget } from './budget.js'
import { cookieValue, type Device, issueDevice, readDevice } from './device-cookie.js'
import { HotSources } from './hot.js'
import { addressBucket, counterKey } from './keys.js'
import { type LoginThrottleOptions, resolveThrottleOptions } from './options.js'

/**
 * Whose budget a try is counted against: a known `device`, a `known_address` (this account
 * signed in from this address lately), or, for anyone else, the shared `account` budget plus
 * the `address` budget.
 */
export type ThrottleScope = 'device' | 'known_address' | 'account' | 'address'

/**
 * Who is trying: the login name as your user directory looks it up, the client's address, its
 * cookies. Without a `username` (say, a failed refresh-token exchange) only the address budget
 * is counted.
 */
export interface LoginTry {
  username?: string | undefined
  /** The client address (after trusted-proxy handling). */
  ip?: string | undefined
  /** The request's `Cookie` header, for the device cookie. */
  cookieHeader?: string | undefined
  /** The client's User-Agent, for the `authn_login_lock` event only. */
  userAgent?: string | undefined
}

/**
 * A refused try: answer 429 with `Retry-After: retryAfterSec` (503 when `busy`); check no
 * password.
 */
export interface LoginRefusal {
  ok: false
  /** The budget that is spent, or (when `busy`) the one the try would have gone on. */
  scope: ThrottleScope
  /** Whole seconds until a try can be counted again (at least 1). */
  retryAfterSec: number
  /** Present when {@link BeginOptions.busy} refused the try: nothing was counted. */
  busy?: true
}

/** Options of one {@link LoginThrottle.begin}. */
export interface BeginOptions {
  /**
   * Asked once the throttle knows whose budget the try goes on (`trusted`: a known device or
   * address), before anything is counted: return true when the work the try guards could not
   * start nor wait now (a full hash queue). The try is then refused with `busy`, at no cost to
   * the store, and not counted.
   */
  busy?: (trusted: boolean) => boolean
}

/**
 * A counted try: check the password, then call {@link LoginAttempt.succeeded} on success, or
 * {@link LoginAttempt.cancel} when the password was never checked. A failure needs nothing: the
 * try stays counted.
 */
export interface LoginAttempt {
  ok: true
  scope: ThrottleScope
  /**
   * True when the try comes from a known device or address and its account has not used up
   * its priority places (`trusted.attempts` a window): let it ahead of a busy queue.
   */
  trusted: boolean
  /**
   * The budget this try used up (its next try must wait), or null. If the password turns out
   * wrong, {@link LoginAttempt.failed} reports it once as `authn_login_lock`.
   */
  spent: ThrottleScope | null
  /**
   * Resets the budget the try was counted on, gives the address its try back, remembers the
   * address for the account and returns the `Set-Cookie` value of a new device cookie (or null).
   */
  succeeded(): Promise<string | null>
  /** Gives every counted try back (the password was never checked: overload, bad request). */
  cancel(): Promise<void>
  /**
   * The password was wrong. The try stays counted (nothing to undo); when it spent a budget,
   * emits `authn_login_lock` (level `warn`, `reason` the scope) to the `events` option: once
   * per lock, not once per refused try after it.
   */
  failed(): void
}

/** Per-account and per-address login budgets; see {@link loginThrottle}. */
export interface LoginThrottle {
  /** Counts a try, or refuses it. Fails with `ERR_STORE_UNAVAILABLE` when the counters are unreachable (fail closed). */
  begin(attempt: LoginTry, options?: BeginOptions): Promise<LoginAttempt | LoginRefusal>
  /** The device cookie's name, or null when none is issued. */
  readonly deviceCookieName: string | null
}

interface Counted {
  key: string
  budget: Budget
  scope: ThrottleScope
}

/**
 * Login throttling after the OWASP Authentication cheat sheet: a few free tries per account,
 * then exponential backoff with a `Retry-After`, and a larger budget per address against
 * password spraying. So that an attacker cannot lock a victim out, tries from a browser with
 * the account's device cookie, or from an address the account signed in from lately, are
 * counted on a budget of their own and never on the shared one. Counts live in
 * {@link AttemptCounters} on the session store's backend, so every process shares them.
 *
 * @example
 * const throttle = loginThrottle({ counters: redisCounters(client), deviceCookie: { secret } })
 * const t = await throttle.begin({ username, ip, cookieHeader: req.headers.cookie })
 * if (!t.ok) return reply(429, { 'retry-after': String(t.retryAfterSec) })
 * const user = await users.verify(username, password)
 * if (user) { const cookie = await t.succeeded(); if (cookie) res.appendHeader('set-cookie', cookie) }
 */
export function loginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const o = resolveThrottleOptions(options)
  const { counters, clock } = o
  const sc = o.shortCircuit
  const hot = sc ? new HotSources(sc.maxMs, sc.maxEntries) : null

  async function plan(t: LoginTry, d: Device | null, now: number): Promise<Counted[]> {
    const name = t.username
    if (name === undefined)
      return t.ip && o.address
        ? [{ key: counterKey('addr', addressBucket(t.ip)), budget: o.address, scope: 'address' }]
        : []
    if (d) return [{ key: counterKey('dev', d.id), budget: o.trusted, scope: 'device' }]
    if (!t.ip) return [{ key: counterKey('acct', name), budget: o.account, scope: 'account' }]
    const ip = addressBucket(t.ip)
    if (o.rememberAddressMs > 0 && (await counters.marked(counterKey('seen', name, ip), now)))
      return [{ key: counterKey('pair', name, ip), budget: o.trusted, scope: 'known_address' }]
    const list: Counted[] = [{ key: counterKey('acct', name), budget: o.account, scope: 'account' }]
    if (o.address) list.push({ key: counterKey('addr', ip), budget: o.address, scope: 'address' })
    return list
  }

  const refundAll = async (taken: Counted[]) => {
    const now = clock.now()
    for (const c of taken) hot?.forget(c.key)
    await Promise.all(taken.map((c) => counters.refund(c.key, now)))
  }

  // Known devices and addresses jump the hash queue, but each account only `trusted.attempts`
  // times a window (then with the budget's backoff), sign-ins that succeed included: every
  // sign-in mints a device cookie, so without this an account holder with many cookies (or
  // one, signing in again and again) could keep the first line full. Past it, the try is
  // still allowed on its own budget, in the ordinary line: demoted, never refused, so someone
  // who once held the account's cookie cannot lock its owner out through it.
  async function priorityOf(t: LoginTry, scope: ThrottleScope, now: number) {
    if (scope !== 'device' && scope !== 'known_address') return null
    // Devices and addresses count apart: a co-tenant of a known address (an office NAT) can
    // spend the addresses' share, never the places of the owner's own browsers.
    const key = counterKey(scope === 'device' ? 'prio-dev' : 'prio-addr', t.username!)
    if (hot?.check(key, now)) return null
    const r = await counters.take(key, o.trusted, now)
    if (r.ok) return { key, budget: o.trusted, scope }
    hot?.remember(key, scope, now + r.retryAfterMs, now)
    return null
  }

  const refusal = (scope: ThrottleScope, until: number, now: number): LoginRefusal => ({
    ok: false,
    scope,
    retryAfterSec: Math.max(1, Math.ceil((until - now) / 1000)),
  })

  function lock(t: LoginTry, scope: ThrottleScope): void {
    o.events?.emit({
      type: 'authn_login_lock',
      level: 'warn',
      time: new Date(clock.now()).toISOString(),
      // The name tried, cut short: an address lock is no account's doing.
      userId: scope === 'address' || t.username === undefined ? null : t.username.slice(0, 64),
      ip: t.ip,
      userAgent: t.userAgent,
      reason: scope,
    })
  }

  return {
    deviceCookieName: o.device ? o.device.name : null,
    async begin(t: LoginTry, options?: BeginOptions): Promise<LoginAttempt | LoginRefusal> {
      const now = clock.now()
      const d =
        o.device && t.username !== undefined
          ? readDevice(
              o.device.secret,
              cookieValue(t.cookieHeader, o.device.name),
              t.username,
              now,
              o.device.maxAgeMs,
            )
          : null
      // The short-circuit: a source without a device cookie that was just refused is refused
      // again from memory, before the store is read (its known-address check included).
      const source =
        hot && !d && t.username !== undefined && t.ip
          ? counterKey('src', t.username, addressBucket(t.ip))
          : null
      const wasHot = source === null ? null : hot!.check(source, now)
      if (wasHot) return refusal(wasHot.scope, wasHot.until, now)
      const keys = await plan(t, d, now)
      // A budget refused lately is refused from memory too, before any of them is counted.
      for (const k of keys) {
        const known = hot?.check(k.key, now)
        if (!known) continue
        if (source) hot!.remember(source, known.scope, known.until, now)
        return refusal(known.scope, known.until, now)
      }
      const scope = keys[0]?.scope ?? 'address'
      const priority = await priorityOf(t, scope, now)
      const trusted = priority !== null
      if (options?.busy?.(trusted)) {
        if (priority) await counters.refund(priority.key, now)
        return { ok: false, scope, retryAfterSec: 1, busy: true }
      }
      const taken: Counted[] = []
      let spent: ThrottleScope | null = null
      for (const k of keys) {
        const r = await counters.take(k.key, k.budget, now)
        if (!r.ok) {
          const until = now + r.retryAfterMs
          hot?.remember(k.key, k.scope, until, now)
          if (source) hot!.remember(source, k.scope, until, now)
          // A try refused by its second budget must not be charged to the first.
          if (priority) taken.push(priority)
          await Promise.all(taken.map((c) => counters.refund(c.key, now)))
          return refusal(k.scope, until, now)
        }
        taken.push(k)
        if (spent === null && r.count >= k.budget.attempts) spent = k.scope
      }
      const first = keys[0]
      return {
        ok: true,
        scope,
        trusted,
        spent,
        cancel: () => refundAll(priority ? [...taken, priority] : taken),
        failed: () => {
          if (spent !== null) lock(t, spent)
        },
        succeeded: async () => {
          const at = clock.now()
          if (source) hot!.forget(source)
          // Without an account there is nothing to reset: the address gets its try back.
          const username = t.username
          if (username === undefined || first === undefined)
            return refundAll(taken).then(() => null)
          // Only the budget this try used is reset: a victim's success on their own device
          // must not hand an attacker a fresh shared budget.
          hot?.forget(first.key)
          await counters.clear(first.key)
          await refundAll(taken.slice(1))
          if (o.rememberAddressMs > 0 && t.ip)
            await counters.mark(
              counterKey('seen', username, addressBucket(t.ip)),
              o.rememberAddressMs,
              at,
            )
          if (!o.device) return null
          const value = issueDevice(o.device.secret, username, at)
          const maxAge = Math.floor(o.device.maxAgeMs / 1000)
          return `${o.device.name}=${value}; Max-Age=${maxAge}; Path=/; Secure; HttpOnly; SameSite=Strict`
        },
      }
    },
  }
}

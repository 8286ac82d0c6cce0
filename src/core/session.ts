import { serializeCookie } from './cookie.js'
import { TesseraError } from './errors.js'
import { anonymousRecord, changesPatch, regeneratedRecord, renewedRecord } from './lifecycle.js'
import { setOwn } from './own.js'
import type { SessionData, SessionRecord } from './record.js'
import { secretKeyOf } from './secret-link.js'
import type { RegenerateOptions, RequestInfo, SessionHost } from './session-host.js'
import { deriveSecret, generateToken } from './token.js'

export type { RegenerateOptions, RequestInfo, SessionHost }

type State = 'empty' | 'loaded' | 'new' | 'destroyed'

/**
 * One request's view of its session. Reads are synchronous; `set`/`delete` are recorded as
 * per-key changes and written once when the adapter commits. `regenerate` and `destroy` act on
 * the store at once, so the old token is dead before the response leaves.
 *
 * @example
 * const n = (session.get('visits') ?? 0) + 1
 * session.set('visits', n)
 */
export class Session {
  readonly #host: SessionHost
  /** The request this session was loaded for. */
  readonly request: RequestInfo
  #record: SessionRecord | null
  #token: string | null
  #state: State
  #set: Map<string, unknown> | null = null
  #unset: Set<string> | null = null
  #touch = false
  #renewTo: { token: string; record: SessionRecord } | null = null
  #committed = false
  /** `Set-Cookie` value to send with the response, if any. */
  setCookie: string | null = null
  /** True when the response carries session state and must not be cached. */
  noStore = false
  /** `Clear-Site-Data` to send (after logout). */
  clearSiteData: string | null = null

  /** @internal Use `sessions.load()`. */
  constructor(
    host: SessionHost,
    request: RequestInfo,
    record: SessionRecord | null,
    token: string | null,
    touch: boolean,
  ) {
    this.#host = host
    this.request = request
    this.#record = record
    this.#token = token
    this.#state = record ? 'loaded' : 'empty'
    this.#touch = touch
  }

  /** True when a live session exists (loaded, created or regenerated in this request). */
  get exists(): boolean {
    return this.#state === 'loaded' || this.#state === 'new'
  }
  /** The owner, or null for anonymous and absent sessions. */
  get userId(): string | null {
    return this.exists ? (this.#record?.userId ?? null) : null
  }
  /** Public handle (safe to show and log), or null. */
  get handle(): string | null {
    return this.exists ? (this.#record?.handle ?? null) : null
  }
  /** The record as loaded or last written (read-only view). */
  get record(): Readonly<SessionRecord> | null {
    return this.exists ? this.#record : null
  }
  /** The store id of the session, for `except` in revocations. Not a credential. */
  get id(): string | null {
    return this.exists ? (this.#record?.id ?? null) : null
  }

  /** True when the last (re-)authentication lies within `windowMs` (default: the reauth window). */
  isFresh(windowMs = this.#host.options.reauthMs): boolean {
    const at = this.record?.authenticatedAt
    return typeof at === 'number' && this.#host.options.clock.now() - at < windowMs
  }

  /**
   * A secret derived from the raw token for `label` (e.g. CSRF). It changes whenever the session
   * is regenerated (login, re-authentication, privilege change) and is never stored. Periodic
   * renewal keeps it: the renewed record carries `meta.secretLink`, the old key XOR a hash of
   * the new raw token, which is useless without that token. Null without a session.
   */
  deriveSecret(label: string): string | null {
    const key = this.#secretKey()
    return key === null ? null : deriveSecret(label, key)
  }

  #secretKey(): string | null {
    if (!this.exists || !this.#token) return null
    return secretKeyOf(this.#token, this.#record?.meta.secretLink)
  }

  /** Reads one key of the session data. */
  get<K extends keyof SessionData & string>(key: K): SessionData[K] | undefined
  get(key: string): unknown
  get(key: string): unknown {
    if (this.#unset?.has(key)) return undefined
    if (this.#set?.has(key)) return this.#set.get(key)
    return this.exists ? this.#record?.data[key] : undefined
  }

  /** Sets one key. Starts a session (lazily) if there is none. */
  set<K extends keyof SessionData & string>(key: K, value: SessionData[K]): void
  set(key: string, value: unknown): void
  set(key: string, value: unknown): void {
    if (value === undefined) {
      this.delete(key)
      return
    }
    this.ensure()
    this.#unset?.delete(key)
    this.#set ??= new Map()
    this.#set.set(key, value)
    this.noStore = true
  }

  /** Removes one key. */
  delete(key: string): void {
    if (!this.exists) return
    this.#set?.delete(key)
    this.#unset ??= new Set()
    this.#unset.add(key)
  }

  /**
   * Makes sure a session exists (a pre-session before login, so that login forms can carry a
   * CSRF token). It is stored when the response is committed.
   */
  ensure(): void {
    if (this.exists) return
    const o = this.#host.options
    const token = generateToken()
    this.#token = token
    this.#record = anonymousRecord(token, o.clock.now(), o)
    this.#state = 'new'
    this.setCookie = serializeCookie(o.cookie.name, token, o.cookieAttributes)
    this.noStore = true
  }

  #pendingData(base: Record<string, unknown>): Record<string, unknown> {
    const data = { ...base }
    if (this.#unset) for (const k of this.#unset) delete data[k]
    if (this.#set) for (const [k, v] of this.#set) setOwn(data, k, v)
    return data
  }

  /**
   * Issues a new token for this session and kills the old one atomically in the store (no grace
   * window). Call it on login, re-authentication and any privilege change. A different `userId`
   * starts a new login: new handle, new absolute deadline, and the per-user cap applies.
   *
   * @throws TesseraError `ERR_SESSION_LIMIT` under `reject-new` at the cap (nothing changes).
   */
  async regenerate(options: RegenerateOptions = {}): Promise<void> {
    if (this.#state === 'destroyed')
      throw new TesseraError('ERR_SESSION_DESTROYED', 'cannot regenerate a destroyed session')
    const o = this.#host.options
    const now = o.clock.now()
    const old = this.exists ? this.#record : null
    const data = this.#pendingData(options.keepData === false ? {} : (old?.data ?? {}))
    const token = generateToken()
    const predecessor = { old, data, request: this.request }
    const { record, newLogin } = regeneratedRecord(predecessor, options, token, now, o)
    const limit =
      record.userId !== null && Number.isFinite(o.maxPerUser)
        ? { max: o.maxPerUser, policy: o.limitPolicy }
        : undefined
    // A still-unsaved pre-session has nothing in the store to replace.
    const replaces = this.#state === 'loaded' ? old?.id : undefined
    const result = await this.#host.create(record, { replaces, limit })
    this.#record = record
    this.#token = token
    this.#state = 'new'
    this.#set = null
    this.#unset = null
    this.#touch = false
    this.#renewTo = null
    this.#committed = true
    const maxAge = options.persistent ? (record.absoluteExpiresAt - now) / 1000 : undefined
    this.setCookie = serializeCookie(o.cookie.name, token, o.cookieAttributes, maxAge)
    this.noStore = true
    this.#host.emit(newLogin ? 'session_created' : 'session_renewed', 'info', this, {
      reason: newLogin ? 'login' : 'regenerate',
    })
    for (const evicted of result.evicted) {
      this.#host.emit('excess_sessions_exceeded', 'warn', this, {
        reason: 'evicted',
        record: evicted,
      })
    }
  }

  /**
   * Ends the session: deletes it on the server at once and queues a clearing cookie (same
   * attributes), `Clear-Site-Data` and `Cache-Control: no-store`.
   */
  async destroy(options: { reason?: string } = {}): Promise<void> {
    const o = this.#host.options
    if (this.#state === 'loaded') await this.#host.destroy(this.#record!.id)
    if (this.#state === 'loaded' || this.#state === 'new') {
      this.#host.emit('session_logout', 'info', this, { reason: options.reason ?? 'user' })
    }
    this.#state = 'destroyed'
    this.#set = null
    this.#unset = null
    this.setCookie = serializeCookie(o.cookie.name, '', o.cookieAttributes, 0)
    this.clearSiteData = o.clearSiteData
    this.noStore = true
  }

  /** @internal Queues a clearing cookie for a stale or rejected token. */
  clearStaleCookie(): void {
    const o = this.#host.options
    this.setCookie = serializeCookie(o.cookie.name, '', o.cookieAttributes, 0)
  }

  /** @internal Schedules periodic rotation; the new token is known now, written at commit. */
  scheduleRenewal(): void {
    const o = this.#host.options
    const old = this.#record!
    const now = o.clock.now()
    const token = generateToken()
    const record = renewedRecord(old, token, this.#secretKey()!, now, o.idleMs)
    this.#renewTo = { token, record }
    this.setCookie = serializeCookie(o.cookie.name, token, o.cookieAttributes)
    this.noStore = true
  }

  /** True when {@link commit} has store work to do (false for a read-only request inside the touch window). */
  get pending(): boolean {
    if (this.#set || this.#unset) return true
    if (this.#state === 'new') return !this.#committed
    return this.#state === 'loaded' && !this.#committed && (this.#touch || this.#renewTo !== null)
  }

  /**
   * Writes what this request changed, with the fewest store operations: nothing for a
   * read-only request inside the touch window. Adapters call it before the response is sent;
   * calling it twice is harmless.
   */
  async commit(): Promise<void> {
    if (this.#committed && !this.#set && !this.#unset) return
    const o = this.#host.options
    const now = o.clock.now()
    if (this.#state === 'new' && !this.#committed) {
      this.#record = { ...this.#record!, data: this.#pendingData(this.#record!.data) }
      this.#set = null
      this.#unset = null
      await this.#host.create(this.#record)
      this.#committed = true
      this.#host.emit('session_created', 'info', this, { reason: 'anonymous' })
      return
    }
    if (this.#state !== 'loaded' && this.#state !== 'new') return
    const rec = this.#record!
    if (this.#renewTo) {
      const { record, token } = this.#renewTo
      const next = { ...record, data: this.#pendingData(rec.data) }
      const result = await this.#host.create(next, {
        replaces: rec.id,
        graceUntil: now + o.graceMs,
      })
      this.#renewTo = null
      if (result.skipped) {
        // A concurrent request renewed first (its response carries the new cookie; our old
        // token resolves through its grace alias), or the session was revoked meanwhile.
        this.setCookie = null
        await this.#writeChanges(rec, now)
        return
      }
      this.#record = next
      this.#token = token
      this.#set = null
      this.#unset = null
      this.#committed = true
      this.#host.emit('session_renewed', 'info', this, { reason: 'periodic' })
      return
    }
    await this.#writeChanges(rec, now)
  }

  /** Per-key changes and the touch, as one `update` (none at all for a read-only request). */
  async #writeChanges(rec: SessionRecord, now: number): Promise<void> {
    if (!this.#set && !this.#unset && !this.#touch) return
    const patch = changesPatch(this.#set, this.#unset, rec, now, this.#host.options.idleMs)
    this.#set = null
    this.#unset = null
    this.#touch = false
    this.#committed = true
    await this.#host.update(rec.id, patch)
  }
}

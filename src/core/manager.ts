import { readCookie } from './cookie.js'
import { storeUnavailable, TesseraError } from './errors.js'
import {
  EventBus,
  type EventLevel,
  type EventListener,
  type SessionEvent,
  type SessionEventType,
} from './events.js'
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js'
import type { SessionRecord } from './record.js'
import { endUserSessions, noticeEvent, type RevocationActor, revokedEvent } from './revocation.js'
import { type RequestInfo, Session, type SessionHost } from './session.js'
import type { CreateOptions, CreateResult, SessionPatch, SessionStore } from './store.js'
import { liveSummaries, type SessionSummary } from './summary.js'
import { hashToken, isWellFormedToken } from './token.js'

export type { RevocationActor, SessionSummary }

/**
 * The session manager: loads, validates and commits sessions, and manages a user's sessions.
 * Framework-free: adapters hand it plain values (a Cookie header, an IP, a User-Agent).
 *
 * @example
 * const sessions = createSessions({ store: memoryStore() })
 * const session = await sessions.load({ cookie: req.headers.cookie })
 * session.set('theme', 'dark')
 * await session.commit()
 */
export class SessionManager {
  /** Options after defaults. */
  readonly options: ResolvedOptions
  /** Lifecycle and security events. */
  readonly events = new EventBus()
  readonly #store: SessionStore
  readonly #host: SessionHost
  #storeDown = false

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options)
    this.#store = this.options.store
    this.#host = {
      options: this.options,
      get: (id) => this.#call(() => this.#store.get(id)),
      create: (record, o) => this.#call(() => this.#store.create(record, o)),
      update: (id, patch) => this.#call(() => this.#store.update(id, patch)),
      destroy: (id) => this.#call(() => this.#store.destroy(id)),
      destroyByHandle: (handle, userId) =>
        this.#call(() => this.#store.destroyByHandle(handle, { userId })),
      emit: (type, level, who, record, reason) => {
        if (!this.events.active) return
        this.emit({
          type,
          level,
          userId: record?.userId ?? null,
          handle: record?.handle ?? null,
          ip: who.ip,
          userAgent: who.userAgent,
          reason,
        })
      },
    }
    // Work a store does on its own must be visible to operators, not swallowed.
    this.#store.observe?.((notice) => this.emit(noticeEvent(notice)))
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    return this.events.on(listener)
  }

  /** Emits an event (apps use it for `authn_login_fail` and their own events). `time` defaults to now. */
  emit(event: Omit<SessionEvent, 'time'> & { time?: string }): void {
    if (!this.events.active) return
    this.events.emit({
      ...event,
      time: event.time ?? new Date(this.options.clock.now()).toISOString(),
    })
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    let result: T
    try {
      result = await fn()
    } catch (error) {
      throw this.#failed(error)
    }
    if (this.#storeDown) this.#recovered()
    return result
  }

  #recovered(): void {
    this.#storeDown = false
    this.emit({ type: 'store_recovered', level: 'info' })
  }

  /** Records an outage (one event per outage) and returns the error to throw. */
  #failed(error: unknown): unknown {
    if (error instanceof TesseraError && error.code !== 'ERR_STORE_UNAVAILABLE') return error
    if (!this.#storeDown) {
      this.#storeDown = true
      this.emit({
        type: 'store_unavailable',
        level: 'critical',
        reason: error instanceof Error ? error.message : 'unknown',
      })
    }
    return storeUnavailable(error)
  }

  /**
   * Loads the request's session: one store read at most, and none for absent or malformed
   * cookies. Missing, malformed, expired, revoked and forged tokens all give an empty session
   * (and an event); only an unreachable store throws (`ERR_STORE_UNAVAILABLE`).
   */
  async load(request: RequestInfo): Promise<Session> {
    return this.open(request)
  }

  /**
   * {@link load} for adapters: the same session, returned synchronously when no promise is
   * needed (no cookie, a bad cookie, or a store with `getSync`), else a promise. Adapters take
   * the synchronous branch to spare every request its promises and microtasks. Throws (or
   * rejects with) `ERR_STORE_UNAVAILABLE` when the store is down.
   *
   * @example
   * const opened = sessions.open({ cookie })
   * const session = opened instanceof Promise ? await opened : opened
   */
  open(request: RequestInfo): Session | Promise<Session> {
    const o = this.options
    const found = readCookie(request.cookie, o.cookie.name)
    if (found.kind === 'absent') return new Session(this.#host, request, null)
    if (found.kind !== 'value' || !isWellFormedToken(found.value)) {
      const type: SessionEventType =
        found.kind === 'duplicate' ? 'session_cookie_duplicate' : 'session_token_malformed'
      this.#host.emit(type, 'warn', request, null)
      // Cleared like an unknown one, so a browser stops sending a cookie that can never work.
      return new Session(this.#host, request, null, true)
    }
    const token = found.value
    const id = hashToken(token)
    // The hot path: one store read, inlined rather than through #call (no closure, no extra
    // async frame per request), and synchronous when the store can answer in-process.
    const store = this.#store
    if (store.getSync) {
      let record: SessionRecord | null
      try {
        record = store.getSync(id)
      } catch (error) {
        throw this.#failed(error)
      }
      return this.#opened(request, token, id, record)
    }
    return store.get(id).then(
      (record) => this.#opened(request, token, id, record),
      (error: unknown) => {
        throw this.#failed(error)
      },
    )
  }

  #opened(
    request: RequestInfo,
    token: string,
    id: string,
    record: SessionRecord | null,
  ): Session | Promise<Session> {
    if (this.#storeDown) this.#recovered()
    if (!record) {
      this.#host.emit('session_token_unknown', 'warn', request, null)
      return new Session(this.#host, request, null, true)
    }
    const o = this.options
    const now = o.clock.now()
    const reason =
      now >= record.absoluteExpiresAt ? 'absolute' : now >= record.idleExpiresAt ? 'idle' : null
    if (reason) return this.#expired(request, record, reason)
    return new Session(this.#host, request, {
      record,
      token,
      viaAlias: record.id !== id,
      touch: now - record.lastSeenAt >= o.touchMs,
      renew: o.renewalMs !== null && now - record.renewedAt >= o.renewalMs,
    })
  }

  async #expired(
    request: RequestInfo,
    record: SessionRecord,
    reason: 'absolute' | 'idle',
  ): Promise<Session> {
    await this.#call(() => this.#store.destroy(record.id))
    this.#host.emit('session_expired', 'info', request, record, reason)
    this.#host.emit('session_use_after_expire', 'warn', request, record, reason)
    return new Session(this.#host, request, null, true)
  }

  /** Live sessions of a user, newest activity first. `currentId` marks the caller's own. */
  async list(userId: string, currentId?: string | null): Promise<SessionSummary[]> {
    const now = this.options.clock.now()
    const records = await this.#call(() => this.#store.listByUser(userId))
    return liveSummaries(records, now, currentId)
  }

  /**
   * Revokes one session by handle. With `userId`, only that user's session can be revoked
   * (returns false for anyone else's, so handles of other users cannot be probed).
   */
  async revoke(
    handle: string,
    options: { userId?: string; reason?: string; actor?: RevocationActor } = {},
  ): Promise<boolean> {
    const record = await this.#call(() =>
      this.#store.destroyByHandle(handle, { userId: options.userId }),
    )
    if (record) this.emit(revokedEvent(record, options.reason ?? 'user', options.actor))
    return record !== null
  }

  /**
   * Revokes all of a user's sessions (but `except`, a session id, usually the caller's own);
   * returns how many ended. Sessions are ended by their handle, which survives renewal and
   * re-authentication, so a session that rotates while this runs ends all the same, and the
   * excepted one survives a concurrent renewal of its own.
   */
  async revokeUser(
    userId: string,
    options: { except?: string | null; reason?: string; actor?: RevocationActor } = {},
  ): Promise<number> {
    const except = options.except
    const keep = except ? ((await this.#call(() => this.#store.get(except)))?.handle ?? null) : null
    const reason = options.reason ?? 'admin'
    return endUserSessions(
      this.#store,
      (fn) => this.#call(fn),
      userId,
      keep,
      (record) => this.emit(revokedEvent(record, reason, options.actor)),
    )
  }

  /** Finds a live session by store id (used by the token mode); null if gone or expired. */
  async getRecord(id: string): Promise<SessionRecord | null> {
    const record = await this.#call(() => this.#store.get(id))
    if (!record) return null
    const now = this.options.clock.now()
    return now < record.idleExpiresAt && now < record.absoluteExpiresAt ? record : null
  }

  /** Direct store access with fault handling, for features built on sessions (token mode). */
  storeCall<T>(fn: (store: SessionStore) => Promise<T>): Promise<T> {
    return this.#call(() => fn(this.#store))
  }

  /** Creates a record directly (token mode), honouring the per-user cap. */
  createRecord(record: SessionRecord, options?: CreateOptions): Promise<CreateResult> {
    return this.#call(() => this.#store.create(record, options))
  }

  /** Applies a patch directly (token mode). */
  updateRecord(id: string, patch: SessionPatch): Promise<boolean> {
    return this.#call(() => this.#store.update(id, patch))
  }

  /** Resolves when the store answers (for `/healthz`). */
  ping(): Promise<void> {
    return this.#call(() => this.#store.ping())
  }

  /** Closes the store. */
  close(): Promise<void> {
    return this.#store.close()
  }
}

/**
 * Creates a session manager. Everything but `store` has a secure default; unsafe options throw
 * `ERR_CONFIG` here, at start-up.
 *
 * @example
 * import { createSessions, memoryStore } from 'tessera-session'
 * const sessions = createSessions({ store: memoryStore(), idleTimeout: '15m' })
 */
export function createSessions(options: SessionOptions): SessionManager {
  return new SessionManager(options)
}

export type { EventLevel }

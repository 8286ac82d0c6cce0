import { readCookie } from './cookie.js'
import {
  EventBus,
  type EventLevel,
  type EventListener,
  type SessionEvent,
  type SessionEventType,
} from './events.js'
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js'
import type { SessionRecord } from './record.js'
import { SessionAdmin } from './admin.js'
import {
  assertStoreId,
  type SessionHandle,
  type SessionIdArgument,
  type SessionRef,
  type StoredRecord,
  stored,
} from './handle.js'
import { noticeEvent, type RevocationActor, revokedEvent } from './revocation.js'
import { type RequestInfo, Session } from './session.js'
import { type SessionHost, sessionHost } from './session-host.js'
import type { CreateOptions, CreateResult, SessionPatch, SessionStore } from './store.js'
import type { SessionSummary } from './summary.js'
import { StoreGuard } from './store-guard.js'
import { hashToken, isWellFormedToken } from './token.js'
import {
  checkKeys,
  checkRevoke,
  checkUserId,
  currentRef,
  exceptHandle,
  listSessions,
  revokeAllBut,
  revokeHandle,
  type SessionOps,
} from './user-sessions.js'

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
  readonly #ops: SessionOps
  /** Calls for administrators: any user's sessions, with the acting admin on the audit trail. */
  readonly admin: SessionAdmin
  readonly #guard = new StoreGuard((event) => this.emit(event))

  constructor(options: SessionOptions) {
    this.options = resolveOptions(options)
    this.#store = this.options.store
    this.#host = sessionHost(this.options, this.#guard, this.events, (event) => this.emit(event))
    this.#ops = {
      store: this.#store,
      call: (fn) => this.#guard.call(fn),
      now: () => this.options.clock.now(),
      revoked: (record, reason, actor) => this.emit(revokedEvent(record, reason, actor)),
    }
    this.admin = new SessionAdmin(this.#ops)
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
        throw this.#guard.failed(error)
      }
      return this.#opened(request, token, id, record)
    }
    return store.get(id).then(
      (record) => this.#opened(request, token, id, record),
      (error: unknown) => {
        throw this.#guard.failed(error)
      },
    )
  }

  #opened(
    request: RequestInfo,
    token: string,
    id: string,
    record: SessionRecord | null,
  ): Session | Promise<Session> {
    this.#guard.ok()
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
    await this.#guard.call(() => this.#store.destroy(record.id))
    this.#host.emit('session_expired', 'info', request, record, reason)
    this.#host.emit('session_use_after_expire', 'warn', request, record, reason)
    return new Session(this.#host, request, null, true)
  }

  /**
   * The live sessions of the current session's user, newest activity first, with `current: true`
   * on this one. Empty for an anonymous session. (An admin lists anyone's: `admin.list(userId)`.)
   *
   * @example
   * const rows = await sessions.list(req.session) // [{ handle, device, current, … }]
   */
  list(current: SessionRef): Promise<SessionSummary[]> {
    const ref = currentRef(current, 'list')
    if (ref.userId === null) return Promise.resolve([])
    return listSessions(this.#ops, ref.userId, ref.handle)
  }

  /**
   * Ends every other session of the current session's user ("sign out everywhere else");
   * resolves with how many ended. The current one survives, even if it renews meanwhile.
   *
   * @example
   * await sessions.revokeOthers(req.session)
   */
  revokeOthers(current: SessionRef, options: { reason?: string } = {}): Promise<number> {
    const ref = currentRef(current, 'revokeOthers')
    checkKeys(options, ['reason'], 'sessions.revokeOthers(session, options)')
    if (ref.userId === null) return Promise.resolve(0)
    return revokeAllBut(this.#ops, ref.userId, ref.handle, options.reason ?? 'user')
  }

  /**
   * Ends one session of `owner` by its handle; true when one ended. A handle of another user
   * ends nothing and returns false, like an unknown one (so handles cannot be probed). Admins
   * end anyone's session with {@link SessionAdmin.revoke | admin.revoke}.
   *
   * @example
   * await sessions.revoke(handle, { owner: user.id })
   */
  revoke(
    handle: SessionHandle,
    options: { owner: string; reason?: string; actor?: RevocationActor },
  ): Promise<boolean> {
    checkRevoke(handle, options)
    return revokeHandle(this.#ops, handle, options.owner, options.reason ?? 'user', options.actor)
  }

  /**
   * Ends all of a user's sessions but `except` (a handle, or a session: usually the caller's
   * own); resolves with how many ended. Use it on password change or account disable. Sessions
   * end by handle, which survives renewal and re-authentication, so one that rotates meanwhile
   * ends all the same, and the excepted one survives its own concurrent renewal.
   *
   * @example
   * await sessions.revokeUser(user.id, { except: req.session, reason: 'password_change' })
   */
  revokeUser(
    userId: string,
    options: {
      except?: SessionHandle | SessionRef | null
      reason?: string
      actor?: RevocationActor
    } = {},
  ): Promise<number> {
    checkUserId(userId, 'sessions.revokeUser(userId, …)')
    checkKeys(options, ['except', 'reason', 'actor'], 'sessions.revokeUser(userId, options)')
    const keep = exceptHandle(options.except)
    return revokeAllBut(this.#ops, userId, keep, options.reason ?? 'admin', options.actor)
  }

  /** Finds a live session by store id (used by the token mode); null if gone or expired. */
  async getRecord(id: SessionIdArgument): Promise<StoredRecord | null> {
    assertStoreId(id, 'sessions.getRecord(id)')
    const record = stored(await this.#guard.call(() => this.#store.get(id)))
    if (!record) return null
    const now = this.options.clock.now()
    return now < record.idleExpiresAt && now < record.absoluteExpiresAt ? record : null
  }

  /** Direct store access with fault handling, for features built on sessions (token mode). */
  storeCall<T>(fn: (store: SessionStore) => Promise<T>): Promise<T> {
    return this.#guard.call(() => fn(this.#store))
  }

  /** Creates a record directly (token mode), honouring the per-user cap. */
  createRecord(record: SessionRecord, options?: CreateOptions): Promise<CreateResult> {
    return this.#guard.call(() => this.#store.create(record, options))
  }

  /** Applies a patch directly (token mode). */
  updateRecord(id: SessionIdArgument, patch: SessionPatch): Promise<boolean> {
    assertStoreId(id, 'sessions.updateRecord(id, patch)')
    return this.#guard.call(() => this.#store.update(id, patch))
  }

  /** Resolves when the store answers (for `/healthz`). */
  ping(): Promise<void> {
    return this.#guard.call(() => this.#store.ping())
  }

  /** The start-up check: the store's `ready()` (else a ping); rejects naming its address. */
  ready(): Promise<void> {
    return this.#store.ready ? this.#store.ready() : this.ping()
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

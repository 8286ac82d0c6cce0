import type { EventBus, EventLevel, SessionEvent, SessionEventType } from './events.js'
import type { ResolvedOptions } from './options.js'
import type { SessionMeta, SessionRecord } from './record.js'
import type { StoreGuard } from './store-guard.js'
import type { CreateOptions, CreateResult, SessionPatch } from './store.js'

/**
 * What the manager gives each session: options, store calls with fault handling (an outage
 * rejects with `ERR_STORE_UNAVAILABLE` and is reported once), and events. Core-only.
 */
export interface SessionHost {
  readonly options: ResolvedOptions
  get(id: string): Promise<SessionRecord | null>
  create(record: SessionRecord, options?: CreateOptions): Promise<CreateResult>
  update(id: string, patch: SessionPatch): Promise<boolean>
  destroy(id: string): Promise<SessionRecord | null>
  destroyByHandle(handle: string, userId: string): Promise<SessionRecord | null>
  /** Emits an event about `record` (or no session) for the request `who`. */
  emit(
    type: SessionEventType,
    level: EventLevel,
    who: RequestInfo,
    record: SessionRecord | null,
    reason?: string,
  ): void
}

/**
 * The host a manager gives its sessions: the store of `options` behind `guard`, and events
 * (built only while someone listens).
 *
 * @example
 * const host = sessionHost(options, guard, events, (event) => manager.emit(event))
 */
export function sessionHost(
  options: ResolvedOptions,
  guard: StoreGuard,
  events: EventBus,
  emit: (event: Omit<SessionEvent, 'time'>) => void,
): SessionHost {
  const store = options.store
  return {
    options,
    get: (id) => guard.call(() => store.get(id)),
    create: (record, o) => guard.call(() => store.create(record, o)),
    update: (id, patch) => guard.call(() => store.update(id, patch)),
    destroy: (id) => guard.call(() => store.destroy(id)),
    destroyByHandle: (handle, userId) =>
      guard.call(() => store.destroyByHandle(handle, { userId })),
    emit: (type, level, who, record, reason) => {
      if (!events.active) return
      emit({
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
}

/** Who is asking: plain values an adapter reads off the request. */
export interface RequestInfo {
  /** The raw `Cookie` header. */
  cookie?: string | undefined
  /** Client IP (after trusted-proxy rules). */
  ip?: string | undefined
  /** Raw `User-Agent`. */
  userAgent?: string | undefined
}

/** Options of {@link Session.regenerate}. */
export interface RegenerateOptions {
  /** New owner; default: unchanged. Setting a different user starts a new login (new handle, new absolute deadline). */
  userId?: string | null | undefined
  /** Keep the data (default true). */
  keepData?: boolean | undefined
  /** Mark as freshly authenticated now (login, re-authentication). */
  authenticated?: boolean | undefined
  /** "Remember me": a persistent cookie that lives until the absolute deadline. */
  persistent?: boolean | undefined
  /** Metadata to record (authentication method, …). */
  meta?: Partial<SessionMeta> | undefined
  /**
   * When a *different* user signs in over a signed-in session, the new session starts empty
   * (no role or data of the previous user leaks into it) except for these keys. Ignored
   * otherwise: a first login from an anonymous session keeps its data (a cart, a return URL).
   */
  carry?: readonly string[] | undefined
}

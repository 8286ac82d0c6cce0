import type { EventLevel, SessionEventType } from './events.js'
import type { ResolvedOptions } from './options.js'
import type { SessionMeta, SessionRecord } from './record.js'
import type { Session } from './session.js'
import type { CreateOptions, CreateResult, SessionPatch } from './store.js'

/** What the manager gives each session: options, store calls with fault handling, events. */
export interface SessionHost {
  readonly options: ResolvedOptions
  create(record: SessionRecord, options?: CreateOptions): Promise<CreateResult>
  update(id: string, patch: SessionPatch): Promise<boolean>
  destroy(id: string): Promise<SessionRecord | null>
  emit(
    type: SessionEventType,
    level: EventLevel,
    session: Session,
    extra?: { reason?: string; record?: SessionRecord },
  ): void
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
}

import type { SessionMeta, SessionRecord } from './record.js'

/** What happens when a user is at `maxSessionsPerUser` and logs in again. */
export type LimitPolicy = 'evict-oldest' | 'reject-new'

/** Options of {@link SessionStore.create}. */
export interface CreateOptions {
  /**
   * Id of the session this one replaces (renewal, regeneration). The store removes it in the
   * same atomic step, so the old token is dead when `create` resolves. The id is taken as it is
   * (a grace alias is not followed: the caller resolves it with `get` first).
   *
   * If no live record has this id — it was renewed, regenerated, revoked or expired meanwhile —
   * the store writes nothing and resolves with `skipped: true`: a replacement can never revive
   * an ended session nor fork one session into two.
   */
  replaces?: string | undefined
  /**
   * With `replaces`: compare-and-set. Write only if the replaced record's
   * {@link SessionRecord.version} still equals this; otherwise write nothing and resolve with
   * `skipped: true` (the caller reads again and retries, or gives up).
   */
  expectVersion?: number | undefined
  /**
   * With `replaces`: keep the old id as an alias of the new record until this instant (ms), so
   * in-flight requests of a periodic renewal are not logged out. Never set after login,
   * re-authentication or a privilege change.
   */
  graceUntil?: number | undefined
  /**
   * Per-user cap, applied atomically when `record.userId` is set. `evict-oldest` removes the
   * sessions with the oldest `lastSeenAt`; `reject-new` throws `ERR_SESSION_LIMIT` and writes
   * nothing (the replaced session, if any, stays). Checked after `replaces`/`expectVersion`:
   * a skipped create never throws `ERR_SESSION_LIMIT`.
   */
  limit?: { max: number; policy: LimitPolicy } | undefined
}

/** Result of {@link SessionStore.create}. */
export interface CreateResult {
  /**
   * Sessions removed to honour the cap (oldest first). Normally empty when `skipped`; a store
   * whose cap decision precedes its final conditional step (Redis Cluster) lists here the
   * evictions it could not take back, so that no session ends unannounced.
   */
  evicted: SessionRecord[]
  /**
   * True when the replaced record was gone or had another version, and nothing was written (a
   * lost race: see {@link CreateOptions.replaces}).
   */
  skipped?: boolean | undefined
}

/**
 * A per-key change to a live session. Keys in `set` and `unset` change individually, so two
 * requests that change different keys both persist.
 */
export interface SessionPatch {
  /** Data keys to write (each value must be JSON-serialisable). */
  set?: Record<string, unknown> | undefined
  /** Data keys to remove. */
  unset?: string[] | undefined
  /** New `lastSeenAt` (touch). */
  lastSeenAt?: number | undefined
  /** New idle deadline (touch); the store extends its native expiry to match. */
  idleExpiresAt?: number | undefined
  /** New `authenticatedAt` (re-authentication without rotation). */
  authenticatedAt?: number | undefined
  /** Metadata fields to merge. */
  meta?: Partial<SessionMeta> | undefined
  /**
   * Compare-and-set: apply the patch only if the record's {@link SessionRecord.version} equals
   * this; otherwise write nothing and return false (read again to tell "changed" from "gone").
   */
  expectVersion?: number | undefined
}

/**
 * What a store reports about work it does on its own (sweeps, evictions, index pruning), so an
 * operator can see it. The session manager turns notices into events.
 */
export type StoreNotice =
  | {
      /** A bounded store dropped a live record to make room (anonymous sessions go first). */
      type: 'evicted'
      record: SessionRecord
    }
  | {
      /** Background work (a sweep, an index prune) failed; the store keeps serving. */
      type: 'background_error'
      /** Which work: `sweep`, `prune`, … */
      task: string
      error: unknown
    }

/**
 * The store contract: small, promise-based, keyed by token hashes. Every method rejects with
 * `TesseraError('ERR_STORE_UNAVAILABLE')` when the backend cannot be reached. Run
 * `runStoreConformance` from `tessera-session/testing` against any implementation.
 *
 * Stores return records as they hold them; the session manager decides expiry with its own
 * clock. Stores may forget a record once `expiresAt(record)` has passed (native TTL or sweep).
 */
export interface SessionStore {
  /** The record for `id`, following a renewal alias inside its grace window; null if none. */
  get(id: string): Promise<SessionRecord | null>
  /**
   * Optional synchronous twin of `get`, for stores whose engine answers in-process (memory,
   * better-sqlite3). The session manager prefers it on the per-request read, which then costs
   * no promise and no microtask. Throws `ERR_STORE_UNAVAILABLE` where `get` would reject.
   */
  getSync?(id: string): SessionRecord | null
  /** Inserts `record` (and, atomically, removes `replaces` and enforces the per-user cap). */
  create(record: SessionRecord, options?: CreateOptions): Promise<CreateResult>
  /**
   * Applies `patch` to the live record with this exact id (aliases are not followed) and adds
   * one to its version. Returns false, and writes nothing, if it is gone or, with
   * `patch.expectVersion`, if its version differs.
   */
  update(id: string, patch: SessionPatch): Promise<boolean>
  /** Deletes a session; returns what was deleted, or null. */
  destroy(id: string): Promise<SessionRecord | null>
  /** A user's sessions (any order; may include records past their deadline). O(that user's sessions). */
  listByUser(userId: string): Promise<SessionRecord[]>
  /** Deletes one session by its public handle; with `userId`, only if that user owns it. */
  destroyByHandle(
    handle: string,
    options?: { userId?: string | undefined },
  ): Promise<SessionRecord | null>
  /** Deletes all of a user's sessions, except the one with id `except`. */
  destroyByUser(userId: string, options?: { except?: string | undefined }): Promise<SessionRecord[]>
  /** Resolves when the backend answers; rejects with `ERR_STORE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>
  /**
   * Optional start-up check: connects (and migrates) and rejects with `ERR_STORE_UNAVAILABLE`
   * naming the address and the driver's reason. Call it once at boot: `await store.ready()`.
   */
  ready?(): Promise<void>
  /** Optional: where the store connects (no credentials), named in diagnostics. */
  readonly address?: string | undefined
  /** Releases connections and timers. */
  close(): Promise<void>
  /**
   * Optional: the session manager calls it once with a sink for {@link StoreNotice}s (evictions,
   * failed sweeps). Stores without background work can leave it out.
   */
  observe?(sink: (notice: StoreNotice) => void): void
}

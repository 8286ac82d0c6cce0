import { commitSession, hasPendingWrites } from './commit.js'
import { assertJsonValue } from '../internal/json-value.js'
import { DEV_GUARD } from './dev-guard.js'
import { anonymousRecord } from './lifecycle.js'
import type { SessionHandle, SessionId } from './handle.js'
import type { SessionData, SessionRecord } from './record.js'
import type { RegenerateOptions, RequestInfo, SessionHost } from './session-host.js'
import { SessionState } from './session-state.js'
import {
  destroyedError,
  destroySession,
  refuseWhileInFlight,
  regenerateSession,
  track,
} from './steps.js'
import { checkDestroyOptions, checkRegenerateOptions } from '../internal/strict.js'
import { deriveSecret, generateToken } from './token.js'

export type { RegenerateOptions, RequestInfo, SessionHost }

/** What `session.record` shows: the record, read-only, with its identifiers branded. */
export interface SessionView extends Readonly<Omit<SessionRecord, 'id' | 'handle'>> {
  /** The public handle: what the app holds, lists and revokes by. */
  readonly handle: SessionHandle
  /**
   * The store id, for features built on sessions (token mode, DBSC) through `getRecord` and
   * `updateRecord`. It changes on every regeneration and renewal: apps hold the handle.
   */
  readonly id: SessionId
}

/**
 * The key of a session's store id, for library code only (CSRF keys its secret cache by it);
 * no entry point exports it, so apps hold the handle.
 */
export const SESSION_ID: unique symbol = Symbol('tessera.sessionId')

/**
 * The store id of `session`, or null (library-internal, like {@link SESSION_ID}).
 *
 * @example
 * const id = sessionIdOf(ctx.session)
 */
export function sessionIdOf(session: Session): SessionId | null {
  return session[SESSION_ID]
}

/** What the manager found for the request's cookie (core-only). */
export interface Loaded {
  record: SessionRecord
  /** The raw token from the cookie. */
  token: string
  /** True when the cookie resolved through a renewal grace alias (`record.id` is the successor's). */
  viaAlias: boolean
  /** The touch interval has passed: write activity at commit. */
  touch: boolean
  /** The renewal interval has passed: rotate the token at commit. */
  renew: boolean
}

/**
 * One request's view of its session. Reads are synchronous; `set`/`delete` are recorded as
 * per-key changes and written once when the adapter commits. `regenerate` and `destroy` act on
 * the store at once, so the old token is dead before the response leaves.
 *
 * Every step that replaces or ends the session is a compare-and-set against the record's
 * version and follows it by its stable identity (a renewal successor, its handle), so a
 * concurrent request cannot make it fork the session, revive an ended one, or drop a write the
 * app saw succeed: a lost race is retried on the current record, or reported as
 * `ERR_SESSION_ENDED` when the session ended meanwhile (docs/concurrency.md).
 *
 * @example
 * const n = (session.get('visits') ?? 0) + 1
 * session.set('visits', n)
 */
export class Session {
  readonly #s: SessionState

  /**
   * @internal Use `sessions.load()`. `stale`: the request's cookie named no live session, so
   * the response clears it.
   */
  constructor(host: SessionHost, request: RequestInfo, loaded: Loaded | null, stale = false) {
    const s = new SessionState(host, request)
    this.#s = s
    if (stale) s.cookie('', 0)
    if (loaded) this.#loaded(loaded)
    // express-session's `req.session.user = …` would be lost silently: in development the
    // session is guarded, and the assignment throws with the call to write instead.
    // biome-ignore lint/correctness/noConstructorReturn: the development guard replaces `this`
    if (!host.options.production) return new Proxy<Session>(this, DEV_GUARD)
  }

  #loaded(loaded: Loaded): void {
    const s = this.#s
    s.state = 'live'
    s.record = loaded.record
    s.token = loaded.token
    s.viaAlias = loaded.viaAlias
    s.touch = loaded.touch
    if (loaded.renew) {
      // The new token is known now so the cookie can go out with the headers; the store
      // learns it at commit.
      const token = generateToken()
      s.renewal = { token, key: s.secretKey()! }
      s.cookie(token)
    }
  }

  /** The request this session was loaded for. */
  get request(): RequestInfo {
    return this.#s.request
  }
  /** True when a live session exists (loaded, created or regenerated in this request). */
  get exists(): boolean {
    return this.#s.exists
  }
  /** The owner, or null for anonymous and absent sessions. */
  get userId(): string | null {
    return this.exists ? (this.#s.record?.userId ?? null) : null
  }
  /**
   * Public handle (safe to show, log and put in a URL), or null: the one identifier the app
   * holds. It stays the same across renewal and re-authentication.
   */
  get handle(): SessionHandle | null {
    return this.exists ? ((this.#s.record?.handle as SessionHandle | undefined) ?? null) : null
  }
  /** The record as loaded or last written (read-only view). */
  get record(): SessionView | null {
    return this.exists ? (this.#s.record as SessionView | null) : null
  }
  /** @internal The store id (see {@link sessionIdOf}). */
  get [SESSION_ID](): SessionId | null {
    return this.exists ? ((this.#s.record?.id as SessionId | undefined) ?? null) : null
  }
  /**
   * Not available: the store id never leaves the core. Throws a TypeError saying what to use,
   * because express-session's `req.session.id` habit would otherwise read `undefined` and, as
   * an `except`, end every session instead of every other one.
   *
   * @deprecated Use `session.handle`, or pass the session itself (`except: req.session`).
   */
  get id(): never {
    throw new TypeError(
      'session.id is not exposed: use session.handle (what sessions.list() shows), or pass the session itself: sessions.revokeOthers(req.session), revokeUser(userId, { except: req.session })',
    )
  }

  /** `Set-Cookie` value the response must carry, if any. */
  get setCookie(): string | null {
    return this.#s.setCookie
  }
  /** True when the response carries session state and must not be cached. */
  get noStore(): boolean {
    return this.#s.noStore
  }
  /** `Clear-Site-Data` the response must carry (after logout), if any. */
  get clearSiteData(): string | null {
    return this.#s.clearSiteData
  }

  /** True when the last (re-)authentication lies within `windowMs` (default: the reauth window). */
  isFresh(windowMs = this.#s.host.options.reauthMs): boolean {
    const at = this.record?.authenticatedAt
    return typeof at === 'number' && this.#s.host.options.clock.now() - at < windowMs
  }

  /**
   * A secret derived from the raw token for `label` (e.g. CSRF). It changes whenever the session
   * is regenerated (login, re-authentication, privilege change) and is never stored. Periodic
   * renewal keeps it: the renewed record carries `meta.secretLink`, the old key XOR a hash of
   * the new raw token, which is useless without that token. Null without a session.
   */
  deriveSecret(label: string): string | null {
    const key = this.#s.secretKey()
    return key === null ? null : deriveSecret(label, key)
  }

  /** Reads one key of the session data. */
  get<K extends keyof SessionData & string>(key: K): SessionData[K] | undefined
  get(key: string): unknown
  get(key: string): unknown {
    const change = this.#s.lookup(key)
    if (change.changed) return change.value
    return this.exists ? this.#s.record?.data[key] : undefined
  }

  /** Sets one key. Starts a session (lazily) if there is none. */
  set<K extends keyof SessionData & string>(key: K, value: SessionData[K]): void
  set(key: string, value: unknown): void
  set(key: string, value: unknown): void {
    if (value === undefined) {
      this.delete(key)
      return
    }
    assertJsonValue(key, value)
    refuseWhileInFlight(this.#s, 'set')
    this.ensure()
    this.#s.changes.set(key, value)
    this.#s.noStore = true
  }

  /** Removes one key. */
  delete(key: string): void {
    refuseWhileInFlight(this.#s, 'delete')
    if (this.exists) this.#s.changes.delete(key)
  }

  /**
   * Makes sure a session exists (a pre-session before login, so that login forms can carry a
   * CSRF token). It is stored when the response is committed.
   */
  ensure(): void {
    if (this.exists) return
    const s = this.#s
    const o = s.host.options
    const token = generateToken()
    s.adopt('unsaved', anonymousRecord(token, o.clock.now(), o), token)
    s.cookie(token)
  }

  /**
   * Issues a new token for this session and kills the old one atomically in the store (no grace
   * window). Call it on login, re-authentication and any privilege change. A different `userId`
   * starts a new login: new handle, new absolute deadline, the per-user cap applies, and the
   * data of a previous user is dropped (see `carry`).
   *
   * Await it: until it settles, `set`/`delete` throw, and the commit at the end of the request
   * waits for it (so even an un-awaited call sends its cookie, or fails the response).
   *
   * @throws TypeError for a callback or an unknown option (synchronously).
   * @throws TesseraError `ERR_SESSION_LIMIT` under `reject-new` at the cap (nothing changes);
   * `ERR_SESSION_ENDED` when a signed-in session was ended (logout, revocation) by another
   * request meanwhile: nothing is written, and the response clears the cookie.
   */
  regenerate(options: RegenerateOptions = {}): Promise<void> {
    // Synchronous refusals: they must surface even when the promise is not awaited.
    checkRegenerateOptions(options)
    const s = this.#s
    refuseWhileInFlight(s, 'regenerate')
    if (s.state === 'destroyed') throw destroyedError()
    return track(s, regenerateSession(s, options))
  }

  /**
   * Ends the session: deletes it on the server at once — whatever id it has by now (a
   * concurrent renewal or re-authentication keeps its handle) — and queues a clearing cookie
   * (same attributes), `Clear-Site-Data` and `Cache-Control: no-store`.
   */
  destroy(options: { reason?: string } = {}): Promise<void> {
    checkDestroyOptions(options)
    refuseWhileInFlight(this.#s, 'destroy')
    return track(this.#s, destroySession(this.#s, options.reason ?? 'user'))
  }

  /** True when {@link commit} has store work to do (false for a read-only request inside the touch window). */
  get pending(): boolean {
    return hasPendingWrites(this.#s)
  }

  /**
   * Writes what this request changed, with the fewest store operations: nothing for a
   * read-only request inside the touch window. Adapters call it before the response is sent;
   * calling it twice is harmless.
   *
   * @throws TesseraError `ERR_SESSION_ENDED` when changes could not be written because the
   * session was ended by another request meanwhile (the response then clears the cookie).
   */
  commit(): Promise<void> {
    return commitSession(this.#s)
  }
}

import { ChangeSet } from './changes.js'
import { serializeCookie } from './cookie.js'
import { TesseraError } from './errors.js'
import { anonymousRecord, changesPatch, regeneratedRecord, renewedRecord } from './lifecycle.js'
import type { SessionData, SessionRecord } from './record.js'
import { secretKeyOf } from './secret-link.js'
import type { RegenerateOptions, RequestInfo, SessionHost } from './session-host.js'
import { deriveSecret, generateToken } from './token.js'

export type { RegenerateOptions, RequestInfo, SessionHost }

/**
 * - `empty`: no session. `unsaved`: a pre-session made in this request, written at commit.
 * - `live`: a record exists in the store (loaded, or written by this request).
 * - `destroyed`: ended in this request (logout, or found ended while committing).
 */
type State = 'empty' | 'unsaved' | 'live' | 'destroyed'

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

// Compare-and-set rounds of one lifecycle step before giving up with ERR_SESSION_CONFLICT.
// Each lost round means another request changed this very session in between.
const MAX_ROUNDS = 8

const ended = () =>
  new TesseraError(
    'ERR_SESSION_ENDED',
    'the session ended while this request ran (signed out or revoked elsewhere); sign in again',
  )
const conflict = () =>
  new TesseraError(
    'ERR_SESSION_CONFLICT',
    'the session kept changing under concurrent requests; retry the request',
  )

/**
 * One request's view of its session. Reads are synchronous; `set`/`delete` are recorded as
 * per-key changes and written once when the adapter commits. `regenerate` and `destroy` act on
 * the store at once, so the old token is dead before the response leaves.
 *
 * Every step that replaces or ends the session is a compare-and-set against the record's
 * version and follows it by its stable identity (a renewal successor, its handle), so a
 * concurrent request cannot make it fork the session, revive an ended one, or drop a write the
 * app saw succeed: a lost race is retried on the current record, or reported as
 * `ERR_SESSION_ENDED` when the session ended meanwhile.
 *
 * @example
 * const n = (session.get('visits') ?? 0) + 1
 * session.set('visits', n)
 */
export class Session {
  readonly #host: SessionHost
  /** The request this session was loaded for. */
  readonly request: RequestInfo
  #state: State
  #record: SessionRecord | null
  #token: string | null
  #viaAlias: boolean
  readonly #changes = new ChangeSet()
  #touch: boolean
  /** Token and secret key of a scheduled periodic renewal. */
  #renewal: { token: string; key: string } | null = null
  #setCookie: string | null = null
  #noStore = false
  #clearSiteData: string | null = null

  /**
   * @internal Use `sessions.load()`. `stale`: the request's cookie named no live session, so
   * the response clears it.
   */
  constructor(host: SessionHost, request: RequestInfo, loaded: Loaded | null, stale = false) {
    this.#host = host
    this.request = request
    this.#state = loaded ? 'live' : 'empty'
    this.#record = loaded?.record ?? null
    this.#token = loaded?.token ?? null
    this.#viaAlias = loaded?.viaAlias ?? false
    this.#touch = loaded?.touch ?? false
    if (stale) this.#cookie('', 0)
    if (loaded?.renew) {
      // The new token is known now so the cookie can go out with the headers; the store
      // learns it at commit.
      const token = generateToken()
      this.#renewal = { token, key: this.#secretKey()! }
      this.#cookie(token)
    }
  }

  /** True when a live session exists (loaded, created or regenerated in this request). */
  get exists(): boolean {
    return this.#state === 'live' || this.#state === 'unsaved'
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

  /** `Set-Cookie` value the response must carry, if any. */
  get setCookie(): string | null {
    return this.#setCookie
  }
  /** True when the response carries session state and must not be cached. */
  get noStore(): boolean {
    return this.#noStore
  }
  /** `Clear-Site-Data` the response must carry (after logout), if any. */
  get clearSiteData(): string | null {
    return this.#clearSiteData
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
    if (!this.exists || !this.#token || !this.#record) return null
    const meta = this.#record.meta
    // Through a grace alias the record is the successor's; the old token pairs with the link
    // the successor kept from its predecessor.
    const link = this.#viaAlias ? meta.prevSecretLink || undefined : meta.secretLink
    return secretKeyOf(this.#token, link)
  }

  /** Reads one key of the session data. */
  get<K extends keyof SessionData & string>(key: K): SessionData[K] | undefined
  get(key: string): unknown
  get(key: string): unknown {
    const change = this.#changes.lookup(key)
    if (change.changed) return change.value
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
    this.#changes.set(key, value)
    this.#noStore = true
  }

  /** Removes one key. */
  delete(key: string): void {
    if (this.exists) this.#changes.delete(key)
  }

  /**
   * Makes sure a session exists (a pre-session before login, so that login forms can carry a
   * CSRF token). It is stored when the response is committed.
   */
  ensure(): void {
    if (this.exists) return
    const o = this.#host.options
    const token = generateToken()
    this.#adopt('unsaved', anonymousRecord(token, o.clock.now(), o), token)
    this.#cookie(token)
  }

  /**
   * Issues a new token for this session and kills the old one atomically in the store (no grace
   * window). Call it on login, re-authentication and any privilege change. A different `userId`
   * starts a new login: new handle, new absolute deadline, the per-user cap applies, and the
   * data of a previous user is dropped (see `carry`).
   *
   * @throws TesseraError `ERR_SESSION_LIMIT` under `reject-new` at the cap (nothing changes);
   * `ERR_SESSION_ENDED` when a signed-in session was ended (logout, revocation) by another
   * request meanwhile: nothing is written, and the response clears the cookie.
   */
  async regenerate(options: RegenerateOptions = {}): Promise<void> {
    if (this.#state === 'destroyed')
      throw new TesseraError('ERR_SESSION_DESTROYED', 'cannot regenerate a destroyed session')
    const o = this.#host.options
    let old = this.#state === 'live' ? this.#record : null
    let base = old ?? (this.#state === 'unsaved' ? this.#record : null)
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = o.clock.now()
      const token = generateToken()
      const data = this.#regeneratedData(base, options)
      const predecessor = { old: base, data, request: this.request }
      const { record, newLogin } = regeneratedRecord(predecessor, options, token, now, o)
      const limit =
        record.userId !== null && Number.isFinite(o.maxPerUser)
          ? { max: o.maxPerUser, policy: o.limitPolicy }
          : undefined
      const result = await this.#host.create(
        record,
        old ? { replaces: old.id, expectVersion: old.version, limit } : { limit },
      )
      if (!result.skipped) {
        this.#adopt('live', record, token)
        const maxAge = options.persistent ? (record.absoluteExpiresAt - now) / 1000 : undefined
        this.#cookie(token, maxAge)
        this.#emit(newLogin ? 'session_created' : 'session_renewed', 'info', record, {
          reason: newLogin ? 'login' : 'regenerate',
        })
        for (const evicted of result.evicted)
          this.#emit('excess_sessions_exceeded', 'warn', evicted, { reason: 'evicted' })
        return
      }
      // Lost a race: read what the store holds now (a renewal successor, a newer version).
      const current = await this.#host.get(old!.id)
      if (current === null) {
        if (old!.userId !== null) {
          this.#end()
          throw ended()
        }
        // A pre-session that expired or was evicted: signing in simply starts afresh.
        old = null
        base = null
      } else {
        old = current
        base = current
        this.#viaAlias = false
      }
    }
    throw conflict()
  }

  #regeneratedData(
    base: SessionRecord | null,
    options: RegenerateOptions,
  ): Record<string, unknown> {
    const merged = this.#changes.apply(options.keepData === false || !base ? {} : base.data)
    const switching =
      base !== null &&
      base.userId !== null &&
      options.userId !== undefined &&
      options.userId !== base.userId
    if (!switching) return merged
    // Another user signs in over a signed-in session: nothing of the previous user's data
    // (a role, a cart) may leak into theirs unless the app names it.
    const kept: Record<string, unknown> = {}
    for (const key of options.carry ?? []) if (Object.hasOwn(merged, key)) kept[key] = merged[key]
    return kept
  }

  /**
   * Ends the session: deletes it on the server at once — whatever id it has by now (a
   * concurrent renewal or re-authentication keeps its handle) — and queues a clearing cookie
   * (same attributes), `Clear-Site-Data` and `Cache-Control: no-store`.
   */
  async destroy(options: { reason?: string } = {}): Promise<void> {
    const r = this.#record
    if (this.#state === 'live' && r) {
      if (r.userId !== null) await this.#host.destroyByHandle(r.handle, r.userId)
      else if (!(await this.#host.destroy(r.id))) {
        const current = await this.#host.get(r.id)
        if (current?.handle === r.handle) await this.#host.destroy(current.id)
      }
    }
    if (this.exists) this.#emit('session_logout', 'info', r, { reason: options.reason ?? 'user' })
    this.#end()
  }

  /** True when {@link commit} has store work to do (false for a read-only request inside the touch window). */
  get pending(): boolean {
    if (this.#state === 'unsaved') return true
    return this.#state === 'live' && (this.#changes.any || this.#touch || this.#renewal !== null)
  }

  /**
   * Writes what this request changed, with the fewest store operations: nothing for a
   * read-only request inside the touch window. Adapters call it before the response is sent;
   * calling it twice is harmless.
   *
   * @throws TesseraError `ERR_SESSION_ENDED` when changes could not be written because the
   * session was ended by another request meanwhile (the response then clears the cookie).
   */
  async commit(): Promise<void> {
    if (this.#state === 'unsaved') {
      const record = { ...this.#record!, data: this.#changes.apply(this.#record!.data) }
      await this.#host.create(record)
      this.#adopt('live', record, this.#token!)
      this.#emit('session_created', 'info', record, { reason: 'anonymous' })
      return
    }
    if (this.#state !== 'live') return
    if (this.#renewal) await this.#renew()
    else await this.#write()
  }

  /** The periodic renewal: the record moves to the new token, with this request's changes. */
  async #renew(): Promise<void> {
    const o = this.#host.options
    const { token, key } = this.#renewal!
    let rec = this.#record!
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = o.clock.now()
      const next = renewedRecord(rec, token, key, now, o.idleMs)
      next.data = this.#changes.apply(rec.data)
      const result = await this.#host.create(next, {
        replaces: rec.id,
        expectVersion: rec.version,
        graceUntil: now + o.graceMs,
      })
      if (!result.skipped) {
        this.#renewal = null
        this.#adopt('live', next, token)
        this.#emit('session_renewed', 'info', next, { reason: 'periodic' })
        return
      }
      const current = await this.#host.get(rec.id)
      if (current === null || current.id !== rec.id) {
        // Ended, or renewed first by a concurrent request (its response carries the new
        // cookie; ours keeps working through the grace alias): no rotation from here.
        this.#renewal = null
        this.#setCookie = null
        if (current === null) return this.#lost()
        this.#record = current
        this.#viaAlias = true
        return this.#write()
      }
      rec = current
    }
    throw conflict()
  }

  /** Per-key changes and the touch as one `update`, none at all for a read-only request. */
  async #write(): Promise<void> {
    if (!this.#changes.any && !this.#touch) return
    const o = this.#host.options
    let rec = this.#record!
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = o.clock.now()
      const patch = changesPatch(this.#changes, rec, now, o.idleMs)
      if (await this.#host.update(rec.id, patch)) {
        this.#record = {
          ...rec,
          data: this.#changes.apply(rec.data),
          lastSeenAt: patch.lastSeenAt!,
          idleExpiresAt: patch.idleExpiresAt!,
          version: rec.version + 1,
        }
        this.#changes.clear()
        this.#touch = false
        return
      }
      // Gone under this id: renewed by a concurrent request (follow its alias), or ended.
      const current = await this.#host.get(rec.id)
      if (current === null) return this.#lost()
      if (current.id !== rec.id) this.#viaAlias = true
      rec = current
    }
    throw conflict()
  }

  /** The session ended under this request: a lost write is an error, a lost touch is not. */
  #lost(): void {
    const lostWrite = this.#changes.any
    this.#end()
    if (lostWrite) throw ended()
  }

  #adopt(state: State, record: SessionRecord, token: string): void {
    this.#state = state
    this.#record = record
    this.#token = token
    this.#viaAlias = false
    this.#touch = false
    if (state === 'live') this.#changes.clear()
  }

  /** No session from here on: clearing cookie, `Clear-Site-Data`, no-store. */
  #end(): void {
    const o = this.#host.options
    this.#state = 'destroyed'
    this.#changes.clear()
    this.#renewal = null
    this.#touch = false
    this.#cookie('', 0)
    this.#clearSiteData = o.clearSiteData
  }

  /** The one place that writes the session cookie (`maxAge` in seconds; 0 clears it). */
  #cookie(token: string, maxAge?: number): void {
    const o = this.#host.options
    this.#setCookie = serializeCookie(o.cookie.name, token, o.cookieAttributes, maxAge)
    this.#noStore = true
  }

  #emit(
    type: Parameters<SessionHost['emit']>[0],
    level: Parameters<SessionHost['emit']>[1],
    record: SessionRecord | null,
    extra: { reason?: string } = {},
  ): void {
    this.#host.emit(type, level, this.request, record, extra.reason)
  }
}

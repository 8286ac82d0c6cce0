// The mutable state behind one request's Session, shared by the Session facade (session.ts) and
// the commit machinery (commit.ts). Core-only: nothing outside src/core sees it, so the public
// Session exposes read-only views and its methods, never writable fields.
import { ChangeSet } from './changes.js'
import { serializeCookie } from './cookie.js'
import type { EventLevel, SessionEventType } from './events.js'
import type { SessionRecord } from './record.js'
import { secretKeyOf } from './secret-link.js'
import type { RequestInfo, SessionHost } from './session-host.js'

// What `lookup` answers for every key of a request that changed none (shared, never built).
const UNCHANGED = Object.freeze({ changed: false, value: undefined })

/**
 * - `empty`: no session. `unsaved`: a pre-session made in this request, written at commit.
 * - `live`: a record exists in the store (loaded, or written by this request).
 * - `destroyed`: ended in this request (logout, or found ended while committing).
 */
export type State = 'empty' | 'unsaved' | 'live' | 'destroyed'

/**
 * One request's session state and the response it asks for. Core-only.
 *
 * @example
 * const s = new SessionState(host, request)
 * s.adopt('live', record, token)
 */
export class SessionState {
  state: State = 'empty'
  record: SessionRecord | null = null
  /** The raw token the client holds after this response. */
  token: string | null = null
  /** The token resolves through a renewal grace alias (`record` is the successor's). */
  viaAlias = false
  #changes: ChangeSet | null = null
  /** Activity is due a write at commit. */
  touch = false
  /** Token and secret key of a scheduled periodic renewal. */
  renewal: { token: string; key: string } | null = null
  setCookie: string | null = null
  noStore = false
  clearSiteData: string | null = null
  /** A regenerate or destroy still running (un-awaited): the commit waits for it. */
  inflight: Promise<void> | null = null
  /** A step that failed; the commit rethrows its error unless the app saw it (await, catch). */
  failedStep: { error: unknown; seen(): boolean } | null = null

  constructor(
    readonly host: SessionHost,
    readonly request: RequestInfo,
  ) {}

  /** This request's pending changes, made on the first write: a read-only request allocates none. */
  get changes(): ChangeSet {
    if (this.#changes === null) this.#changes = new ChangeSet()
    return this.#changes
  }

  /** True when this request set or removed a key. */
  get changed(): boolean {
    return this.#changes?.any === true
  }

  /** Whether `key` was changed in this request, and to what. */
  lookup(key: string): { changed: boolean; value: unknown } {
    return this.#changes === null ? UNCHANGED : this.#changes.lookup(key)
  }

  /** Forgets the pending changes (written, or the session ended). */
  forgetChanges(): void {
    this.#changes = null
  }

  get exists(): boolean {
    return this.state === 'live' || this.state === 'unsaved'
  }

  /** The key this session's secrets (CSRF) derive from; null without a session. */
  secretKey(): string | null {
    if (!this.exists || !this.token || !this.record) return null
    const meta = this.record.meta
    // Through a grace alias the record is the successor's; the old token pairs with the link
    // the successor kept from its predecessor.
    const link = this.viaAlias ? meta.prevSecretLink || undefined : meta.secretLink
    return secretKeyOf(this.token, link)
  }

  /** From now on the session is `record` under `token`, with nothing left to write. */
  adopt(state: State, record: SessionRecord, token: string): void {
    this.state = state
    this.record = record
    this.token = token
    this.viaAlias = false
    this.touch = false
    if (state === 'live') this.#changes = null
  }

  /** No session from here on: clearing cookie, `Clear-Site-Data`, no-store. */
  end(): void {
    this.state = 'destroyed'
    this.#changes = null
    this.renewal = null
    this.touch = false
    this.cookie('', 0)
    this.clearSiteData = this.host.options.clearSiteData
  }

  /** The one place that writes the session cookie (`maxAge` in seconds; 0 clears it). */
  cookie(token: string, maxAge?: number): void {
    const o = this.host.options
    this.setCookie = serializeCookie(o.cookie.name, token, o.cookieAttributes, maxAge)
    this.noStore = true
  }

  emit(
    type: SessionEventType,
    level: EventLevel,
    record: SessionRecord | null,
    reason?: string,
  ): void {
    this.host.emit(type, level, this.request, record, reason)
  }
}

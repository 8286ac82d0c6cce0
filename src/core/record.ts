/**
 * Your session data's shape. Augment it once and every `session.get`/`set` is typed:
 *
 * @example
 * declare module 'tessera-session' {
 *   interface SessionData { cart: string[]; theme: 'dark' | 'light' }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging
export interface SessionData {}

/** A parsed user agent. */
export interface DeviceInfo {
  /** Browser family, e.g. `Chrome`. */
  browser: string
  /** Operating system, e.g. `Linux`. */
  os: string
  /** `desktop`, `mobile`, `tablet`, … */
  type: string
}

/** What a session records about where it was created and used. */
export interface SessionMeta {
  /** Client IP at login (through the trusted-proxy rules). */
  ip?: string | undefined
  /** Raw `User-Agent` at login. */
  userAgent?: string | undefined
  /** Parsed device, when a parser is configured. */
  device?: DeviceInfo | undefined
  /** How the user authenticated (`password`, `token`, …). */
  authMethod?: string | undefined
  /** `cookie` for browser sessions, `token` for the JWT/refresh-token mode. */
  kind?: 'cookie' | 'token' | undefined
  /**
   * Carries derived secrets (CSRF) across periodic renewal: the secret key XOR a hash of the
   * current raw token. Useless without that token, which no store ever sees.
   */
  secretLink?: string | undefined
  /**
   * The `secretLink` of the record a periodic renewal replaced (`''` when it had none), so a
   * request still carrying the old cookie inside the grace window derives the same key.
   */
  prevSecretLink?: string | undefined
}

/**
 * A session as stores keep it. All instants are milliseconds since the Unix epoch (UTC).
 * `id` is the SHA-256 of the token: the raw token never reaches a store.
 */
export interface SessionRecord {
  /** Store key: base64url SHA-256 of the session token. */
  id: string
  /** Public, non-credential identifier for listing and revocation. */
  handle: string
  /** Owner, or null for an anonymous (pre-login) session. */
  userId: string | null
  /** Application data, one JSON value per key. Keys starting with `$` are reserved. */
  data: Record<string, unknown>
  /** When the session (or the login that made it) began. */
  createdAt: number
  /** Last recorded activity (updated at most once per touch interval). */
  lastSeenAt: number
  /** When the current token was issued (rotation resets it). */
  renewedAt: number
  /** Last (re-)authentication, or null when never authenticated. */
  authenticatedAt: number | null
  /** Idle deadline: `lastSeenAt + idleTimeout`, capped at the absolute deadline. */
  idleExpiresAt: number
  /** Absolute deadline, fixed at creation. */
  absoluteExpiresAt: number
  /** Where and how the session was created. */
  meta: SessionMeta
  /**
   * Revision of this record, for compare-and-set. A new record is written with the version it
   * carries (the core writes 1); every successful {@link SessionStore.update} adds one. A
   * renewal or regeneration writes a new record (new id), whose version starts again.
   */
  version: number
}

/**
 * The earliest instant the store may forget a record: the sooner of its idle and absolute
 * deadlines.
 *
 * @example
 * redis.pExpireAt(key, expiresAt(record))
 */
export function expiresAt(
  record: Pick<SessionRecord, 'idleExpiresAt' | 'absoluteExpiresAt'>,
): number {
  return Math.min(record.idleExpiresAt, record.absoluteExpiresAt)
}

/**
 * A record whose activity clock starts `now`: last seen and renewed now, idle deadline one idle
 * timeout away (never past the absolute deadline).
 *
 * @example
 * freshRecord(Date.now(), 30 * 60_000, { id, handle, userId: null, createdAt: now, absoluteExpiresAt, data: {}, authenticatedAt: null, meta: {} })
 */
export function freshRecord(
  now: number,
  idleMs: number,
  fields: Omit<SessionRecord, 'lastSeenAt' | 'renewedAt' | 'idleExpiresAt' | 'version'>,
): SessionRecord {
  return {
    ...fields,
    version: 1,
    lastSeenAt: now,
    renewedAt: now,
    idleExpiresAt: Math.min(now + idleMs, fields.absoluteExpiresAt),
  }
}

import { createHmac } from 'node:crypto'
import { TesseraError } from '../core/errors.js'
import type { SessionHandle, SessionId, StoredRecord } from '../core/handle.js'
import type { SessionRecord } from '../core/record.js'
import { generateHandle, hashToken, timingSafeEqualString } from '../core/token.js'
import type { ResolvedTokenOptions } from './options.js'
import {
  firstRefreshToken,
  formatRefreshToken,
  parseRefreshToken,
  type RefreshToken,
  successor,
  walkToHash,
} from './refresh-token.js'
import { accessClaims, signAccessToken } from './sign.js'

/** What `POST /api/token` and `/api/token/refresh` answer (RFC 6749 §5.1 names). */
export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: 'Bearer'
  /** Access-token lifetime in seconds. */
  expires_in: number
}

/** Where a refresh came from (for events). */
export interface RefreshRequest {
  ip?: string | undefined
  userAgent?: string | undefined
}

/**
 * The store id of a token session. Derived from the public handle so that an access token
 * (which carries only the handle, `sid`) finds its session in ONE store read. The preimage
 * contains `/` and NUL, so it can never be a well-formed session cookie: knowing a handle gives
 * no way in through the cookie path. The credential is the refresh token, whose hash is kept
 * in the record's data (`$rt`).
 *
 * @example
 * await sessions.getRecord(tokenSessionId(claims.sid))
 */
export function tokenSessionId(handle: string): SessionId {
  return hashToken(`tessera/token-session\0${handle}`) as SessionId
}

// Reserved data keys of a token session: hash of the current refresh token, its generation,
// and when it was issued (ms), which opens the concurrent-refresh window of its predecessor.
const RT = '$rt'
const GEN = '$gen'
const ROT = '$rot'

const invalid = () => new TesseraError('ERR_TOKEN_INVALID', 'invalid token')

/**
 * Issuing, rotating and revoking refresh tokens on top of the session store contract (used by
 * `TokenMode`; not meant to be built directly).
 *
 * @example
 * const flow = new RefreshFlow(resolveTokenOptions(options))
 * const next = await flow.refresh(body.refresh_token, { ip })
 */
export class RefreshFlow {
  readonly #o: ResolvedTokenOptions

  constructor(options: ResolvedTokenOptions) {
    this.#o = options
  }

  async issue(input: {
    userId: string
    ip?: string | undefined
    userAgent?: string | undefined
    authMethod?: string | undefined
  }): Promise<TokenPair & { handle: SessionHandle }> {
    // A number (an SQL serial) would be stored as is: revokeUser(String(id)) would miss it.
    if (typeof input?.userId !== 'string' || input.userId === '')
      throw new TypeError('tokens.issue: userId must be a non-empty string: write String(user.id)')
    const o = this.#o
    const s = o.sessions
    const now = s.options.clock.now()
    const handle = generateHandle()
    const first = firstRefreshToken(handle)
    const absoluteExpiresAt = now + o.absoluteMs
    const parser = s.options.deviceParser
    const record: SessionRecord = {
      id: tokenSessionId(handle),
      handle,
      userId: input.userId,
      data: { [RT]: hashToken(first.secret), [GEN]: 0, [ROT]: now },
      createdAt: now,
      lastSeenAt: now,
      renewedAt: now,
      authenticatedAt: now,
      idleExpiresAt: Math.min(now + o.idleMs, absoluteExpiresAt),
      absoluteExpiresAt,
      meta: {
        ip: input.ip,
        userAgent: input.userAgent,
        device: parser && input.userAgent ? parser(input.userAgent) : undefined,
        authMethod: input.authMethod ?? 'password',
        kind: 'token',
      },
      version: 1,
    }
    const max = s.options.maxPerUser
    const { evicted } = await s.createRecord(record, {
      limit: Number.isFinite(max) ? { max, policy: s.options.limitPolicy } : undefined,
    })
    const who = { ip: input.ip, userAgent: input.userAgent }
    for (const e of evicted)
      s.emit({
        type: 'excess_sessions_exceeded',
        level: 'warn',
        userId: e.userId,
        handle: e.handle,
        reason: 'evicted',
        ...who,
      })
    s.emit({
      type: 'session_created',
      level: 'info',
      userId: input.userId,
      handle,
      reason: 'token',
      ...who,
    })
    return { ...(await this.#pair(input.userId, first, now)), handle }
  }

  async refresh(value: unknown, request: RefreshRequest): Promise<TokenPair> {
    const s = this.#o.sessions
    const t = parseRefreshToken(value)
    if (!t) throw invalid()
    const id = tokenSessionId(t.handle)
    const record = await s.getRecord(id)
    const outcome = await this.#rotate(t, record, request)
    if (outcome !== 'lost') return outcome
    // Another refresh of this family landed between our read and our write (the write is a
    // compare-and-set on the record's version, so the family never moves back). Judge the
    // token again against what the store holds now; having been current a moment ago, it is
    // at worst a concurrent duplicate, never evidence of theft.
    const again = await this.#rotate(t, await s.getRecord(id), request, true)
    if (again === 'lost') throw invalid()
    return again
  }

  // One read-judge-write round. 'lost' when the conditional write found a newer version.
  async #rotate(
    t: RefreshToken,
    record: StoredRecord | null,
    request: RefreshRequest,
    retried = false,
  ): Promise<TokenPair | 'lost'> {
    const o = this.#o
    const s = o.sessions
    const state = record && stateOf(record)
    if (!record || !state || record.userId === null) throw invalid()
    const userId = record.userId
    const now = s.options.clock.now()
    if (t.gen === state.gen) {
      if (!timingSafeEqualString(hashToken(t.secret), state.rt)) throw invalid()
      await this.#requireActive(record)
      const next = successor(o.refreshKey, t)
      const ok = await s.updateRecord(record.id, {
        set: { [RT]: hashToken(next.secret), [GEN]: next.gen, [ROT]: now },
        lastSeenAt: now,
        idleExpiresAt: Math.min(now + o.idleMs, record.absoluteExpiresAt),
        expectVersion: record.version,
      })
      if (!ok) return 'lost'
      s.emit({
        type: 'session_renewed',
        level: 'info',
        userId,
        handle: t.handle,
        reason: 'token_refresh',
        ...request,
      })
      return this.#pair(userId, next, now)
    }
    if (t.gen > state.gen || !this.#belongs(t, state)) throw invalid()
    if (t.gen === state.gen - 1 && now < state.rot + o.windowMs) {
      // The predecessor inside the window: a legitimate concurrent refresh. Same successor, and
      // the same access-token claims (issued at the rotation instant).
      await this.#requireActive(record)
      return this.#pair(userId, successor(o.refreshKey, t), state.rot)
    }
    // A token that was current when this request read the family is a duplicate in flight.
    if (retried) throw invalid()
    s.emit({
      type: 'authn_token_reuse',
      level: 'critical',
      userId,
      handle: t.handle,
      reason: 'refresh_token_reuse',
      ...request,
    })
    await s.revoke(record.handle, { owner: userId, reason: 'token_reuse' })
    throw new TesseraError('ERR_TOKEN_REUSED', 'refresh token reuse detected; sign in again')
  }

  /** Ends the family of an authentic refresh token (current or spent). */
  async revoke(value: unknown): Promise<boolean> {
    const t = parseRefreshToken(value)
    if (!t) return false
    const record = await this.#o.sessions.getRecord(tokenSessionId(t.handle))
    const state = record && stateOf(record)
    if (!state || record.userId === null || t.gen > state.gen || !this.#belongs(t, state))
      return false
    return this.#o.sessions.revoke(record.handle, { owner: record.userId, reason: 'user' })
  }

  // A token of generation ≤ current is ours iff walking it forward reaches the stored hash.
  #belongs(t: RefreshToken, state: TokenState): boolean {
    const h = walkToHash(this.#o.refreshKey, t, state.gen, this.#o.maxChainWalk)
    return h !== null && timingSafeEqualString(h, state.rt)
  }

  async #requireActive(record: StoredRecord): Promise<void> {
    const check = this.#o.isUserActive
    if (check === null || record.userId === null || (await check(record.userId))) return
    await this.#o.sessions.revoke(record.handle, { owner: record.userId, reason: 'user_inactive' })
    throw invalid()
  }

  // The access token is a function of the refresh token it comes with: its jti is derived from
  // the refresh secret and its iat is the rotation instant, so both concurrent callers get the
  // same claims (and, with EdDSA or HS256, byte-identical tokens).
  async #pair(userId: string, refresh: RefreshToken, issuedAtMs: number): Promise<TokenPair> {
    const o = this.#o
    const jti = createHmac('sha256', o.refreshKey)
      .update(`jti.${refresh.handle}.${refresh.gen}.${refresh.secret}`)
      .digest('base64url')
      .slice(0, 22)
    const claims = accessClaims({
      issuer: o.issuer,
      audience: o.audience,
      subject: userId,
      sessionHandle: refresh.handle,
      nowMs: issuedAtMs,
      ttlMs: o.accessTtlMs,
      jti,
    })
    return {
      access_token: await signAccessToken(o.keys.signer, claims),
      refresh_token: formatRefreshToken(refresh),
      token_type: 'Bearer',
      expires_in: Math.floor(o.accessTtlMs / 1000),
    }
  }
}

interface TokenState {
  rt: string
  gen: number
  rot: number
}

function stateOf(record: SessionRecord): TokenState | null {
  if (record.meta.kind !== 'token') return null
  const rt = record.data[RT]
  const gen = record.data[GEN]
  const rot = record.data[ROT]
  if (typeof rt !== 'string' || typeof gen !== 'number' || typeof rot !== 'number') return null
  return { rt, gen, rot }
}

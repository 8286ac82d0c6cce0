// What a request writes when it finishes: the first record of a pre-session, a periodic
// renewal, or the per-key changes and touch. Each is a compare-and-set on the record version,
// retried on the current record when a concurrent request won (docs/concurrency.md).
import { TesseraError } from './errors.js'
import { changesPatch, renewedRecord } from './lifecycle.js'
import type { SessionState } from './session-state.js'

/** Compare-and-set rounds of one lifecycle step; each lost round means another request changed this very session. */
export const MAX_ROUNDS = 8

/**
 * The error of a step whose session ended (logout, revocation) under the request.
 *
 * @example
 * throw sessionEnded()
 */
export function sessionEnded(): TesseraError {
  return new TesseraError(
    'ERR_SESSION_ENDED',
    'the session ended while this request ran (signed out or revoked elsewhere); sign in again',
  )
}

/**
 * The error of a step that lost {@link MAX_ROUNDS} races in a row.
 *
 * @example
 * throw sessionConflict()
 */
export function sessionConflict(): TesseraError {
  return new TesseraError(
    'ERR_SESSION_CONFLICT',
    'the session kept changing under concurrent requests; retry the request',
  )
}

/**
 * True when {@link commitSession} has store work to do (false for a read-only request inside
 * the touch window).
 *
 * @example
 * if (hasPendingWrites(s)) await commitSession(s)
 */
export function hasPendingWrites(s: SessionState): boolean {
  if (s.inflight !== null || s.failedStep !== null) return true
  if (s.state === 'unsaved') return true
  return s.state === 'live' && (s.changed || s.touch || s.renewal !== null)
}

/**
 * Writes what the request changed, with the fewest store operations.
 *
 * @example
 * await commitSession(state)
 */
export async function commitSession(s: SessionState): Promise<void> {
  // An un-awaited regenerate/destroy: its cookie (or its failure) belongs to this response.
  if (s.inflight !== null) await s.inflight
  const failed = s.failedStep
  if (failed !== null) {
    s.failedStep = null
    if (!failed.seen()) throw failed.error
  }
  if (s.state === 'unsaved') {
    const record = { ...s.record!, data: s.changes.apply(s.record!.data) }
    await s.host.create(record)
    s.adopt('live', record, s.token!)
    s.emit('session_created', 'info', record, 'anonymous')
    return
  }
  if (s.state !== 'live') return
  if (s.renewal) await renew(s)
  else await write(s)
}

/** The periodic renewal: the record moves to the new token, with this request's changes. */
async function renew(s: SessionState): Promise<void> {
  const o = s.host.options
  const { token, key } = s.renewal!
  let rec = s.record!
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = o.clock.now()
    const next = renewedRecord(rec, token, key, now, o.idleMs)
    next.data = s.changes.apply(rec.data)
    const result = await s.host.create(next, {
      replaces: rec.id,
      expectVersion: rec.version,
      graceUntil: now + o.graceMs,
    })
    if (!result.skipped) {
      s.renewal = null
      s.adopt('live', next, token)
      s.emit('session_renewed', 'info', next, 'periodic')
      return
    }
    const current = await s.host.get(rec.id)
    if (current === null || current.id !== rec.id) {
      // Ended, or renewed first by a concurrent request (its response carries the new
      // cookie; ours keeps working through the grace alias): no rotation from here.
      s.renewal = null
      s.setCookie = null
      if (current === null) return lost(s)
      s.record = current
      s.viaAlias = true
      return write(s)
    }
    rec = current
  }
  throw sessionConflict()
}

/** Per-key changes and the touch as one `update`; none at all for a read-only request. */
async function write(s: SessionState): Promise<void> {
  if (!s.changed && !s.touch) return
  const o = s.host.options
  let rec = s.record!
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = o.clock.now()
    const patch = changesPatch(s.changes, rec, now, o.idleMs)
    if (await s.host.update(rec.id, patch)) {
      s.record = {
        ...rec,
        data: s.changes.apply(rec.data),
        lastSeenAt: patch.lastSeenAt!,
        idleExpiresAt: patch.idleExpiresAt!,
        version: rec.version + 1,
      }
      s.forgetChanges()
      s.touch = false
      return
    }
    // Gone under this id: renewed by a concurrent request (follow its alias), or ended.
    const current = await s.host.get(rec.id)
    if (current === null) return lost(s)
    if (current.id !== rec.id) s.viaAlias = true
    rec = current
  }
  throw sessionConflict()
}

/** The session ended under this request: a lost write is an error, a lost touch is not. */
function lost(s: SessionState): void {
  const lostWrite = s.changed
  s.end()
  if (lostWrite) throw sessionEnded()
}

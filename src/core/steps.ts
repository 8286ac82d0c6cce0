// The two steps that replace or end a session at once, in the store: regenerate (login,
// re-authentication, privilege change) and destroy (logout). Each is tracked while it runs, so
// that the commit at the end of the request waits for it: an un-awaited `regenerate()` (an
// express-session habit) must neither send a response without its cookie nor leave a session
// nobody holds that counts against the per-user cap (issue 15).
import { MAX_ROUNDS, sessionConflict, sessionEnded } from './commit.js'
import { TesseraError } from './errors.js'
import { regeneratedData, regeneratedRecord } from './lifecycle.js'
import type { RegenerateOptions } from './session-host.js'
import type { SessionState } from './session-state.js'
import { generateToken } from './token.js'

/**
 * The promise `regenerate` and `destroy` return. It notes whether the app took it (`await`,
 * `then`, `catch` all call `then`): a failure the app never looked at must fail the response
 * instead of vanishing, and one the app handled must not.
 */
class StepPromise extends Promise<void> {
  observed = false

  // Promises derived from this one (then/catch/finally) are plain ones.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise
  }

  // biome-ignore lint/suspicious/noThenProperty: noting that the app took the promise is the point
  override then<A = void, B = never>(
    // biome-ignore lint/suspicious/noConfusingVoidType: the signature of Promise<void>.then
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.observed = true
    return super.then(onFulfilled, onRejected)
  }
}

const ignore = () => {}

/**
 * Marks `run` as in flight on `s` until it settles, and returns the app's view of it. The
 * commit waits for an in-flight step, and fails with the error of a step that failed unseen
 * (never awaited or caught), so a response never pretends a failed login worked; a failure the
 * app awaited or caught is the app's to answer.
 *
 * @example
 * return track(state, regenerateSession(state, options))
 */
export function track(s: SessionState, run: Promise<void>): Promise<void> {
  const facing = new StepPromise((resolve, reject) => {
    run.then(resolve, reject)
  })
  // Handled here without counting as the app's look: an unseen failure fails the response
  // (below), it does not crash the process as an unhandled rejection.
  Promise.prototype.then.call(facing, undefined, ignore)
  const settled: Promise<void> = run.then(
    () => {
      if (s.inflight === settled) s.inflight = null
    },
    (error: unknown) => {
      if (s.inflight === settled) s.inflight = null
      s.failedStep = { error, seen: () => facing.observed }
    },
  )
  s.inflight = settled
  return facing
}

/**
 * Throws when `set`, `delete`, `regenerate` or `destroy` run while a regenerate or destroy is
 * in flight: the step has already taken the data it writes (a change would be lost without a
 * word), and a second regenerate would leave a session nobody holds.
 *
 * @example
 * refuseWhileInFlight(state, 'set')
 */
export function refuseWhileInFlight(s: SessionState, method: string): void {
  if (s.inflight !== null)
    throw new TypeError(
      `session.${method}() while session.regenerate() or destroy() is still running: write \`await req.session.regenerate()\` first`,
    )
}

/**
 * The regenerate step: a new token, the old one dead at once (compare-and-set, retried on the
 * current record when a concurrent request won).
 *
 * @example
 * await regenerateSession(state, { userId: 'u1', authenticated: true })
 */
export async function regenerateSession(
  s: SessionState,
  options: RegenerateOptions,
): Promise<void> {
  const o = s.host.options
  let old = s.state === 'live' ? s.record : null
  let base = old ?? (s.state === 'unsaved' ? s.record : null)
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = o.clock.now()
    const token = generateToken()
    const data = regeneratedData(s.changes, base, options)
    const predecessor = { old: base, data, request: s.request }
    const { record, newLogin } = regeneratedRecord(predecessor, options, token, now, o)
    const limit =
      record.userId !== null && Number.isFinite(o.maxPerUser)
        ? { max: o.maxPerUser, policy: o.limitPolicy }
        : undefined
    const result = await s.host.create(
      record,
      old ? { replaces: old.id, expectVersion: old.version, limit } : { limit },
    )
    if (!result.skipped) {
      s.renewal = null
      s.adopt('live', record, token)
      const maxAge = options.persistent ? (record.absoluteExpiresAt - now) / 1000 : undefined
      s.cookie(token, maxAge)
      s.emit(
        newLogin ? 'session_created' : 'session_renewed',
        'info',
        record,
        newLogin ? 'login' : 'regenerate',
      )
      for (const evicted of result.evicted)
        s.emit('excess_sessions_exceeded', 'warn', evicted, 'evicted')
      return
    }
    // A store whose cap runs before its last conditional step (Redis Cluster) may have
    // evicted for this lost round already: those sessions ended, so they are announced.
    for (const evicted of result.evicted)
      s.emit('excess_sessions_exceeded', 'warn', evicted, 'evicted')
    // Lost a race: read what the store holds now (a renewal successor, a newer version).
    const current = await s.host.get(old!.id)
    if (current === null) {
      if (old!.userId !== null) {
        s.end()
        throw sessionEnded()
      }
      // A pre-session that expired or was evicted: signing in simply starts afresh.
      old = null
      base = null
    } else {
      old = current
      base = current
    }
  }
  throw sessionConflict()
}

/**
 * The destroy step: deletes the session whatever id it has by now (a concurrent renewal or
 * re-authentication keeps its handle), then queues the clearing response.
 *
 * @example
 * await destroySession(state, 'user')
 */
export async function destroySession(s: SessionState, reason: string): Promise<void> {
  const r = s.record
  if (s.state === 'live' && r) {
    if (r.userId !== null) await s.host.destroyByHandle(r.handle, r.userId)
    else if (!(await s.host.destroy(r.id))) {
      const current = await s.host.get(r.id)
      if (current?.handle === r.handle) await s.host.destroy(current.id)
    }
  }
  if (s.exists) s.emit('session_logout', 'info', r, reason)
  s.end()
}

/**
 * The error of a regenerate called on a session destroyed in this request.
 *
 * @example
 * throw destroyedError()
 */
export function destroyedError(): TesseraError {
  return new TesseraError('ERR_SESSION_DESTROYED', 'cannot regenerate a destroyed session')
}

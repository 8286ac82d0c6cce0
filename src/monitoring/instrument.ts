import { TesseraError } from '../core/errors.js'
import type { SessionStore } from '../core/store.js'
import type { SessionMetrics } from './metrics.js'

type Operation = Exclude<keyof SessionStore, 'close' | 'getSync'>
const OPERATIONS: readonly Operation[] = [
  'get',
  'create',
  'update',
  'destroy',
  'listByUser',
  'destroyByHandle',
  'destroyByUser',
  'ping',
]

/** A refusal such as `ERR_SESSION_LIMIT` is an answer, not a store failure. */
function isFailure(error: unknown): boolean {
  return !(error instanceof TesseraError) || error.code === 'ERR_STORE_UNAVAILABLE'
}

/**
 * Wraps a store so each call is timed into `tessera_store_duration_seconds{operation}` and each
 * failure counted in `tessera_store_errors_total{operation}`. Adds no I/O: one clock read before
 * and after, one histogram observation.
 *
 * @example
 * const sessions = createSessions({ store: instrumentStore(sqliteStore({ path }), metrics) })
 */
export function instrumentStore(store: SessionStore, metrics: SessionMetrics): SessionStore {
  const wrapped: Partial<SessionStore> = { close: () => store.close() }
  for (const op of OPERATIONS) {
    // Precomputed per operation: no label object is built per call.
    const timer = metrics.storeDuration.series(op)
    const errors = metrics.storeErrors.labels(op)
    const call = store[op] as (...args: unknown[]) => Promise<unknown>
    ;(wrapped as Record<Operation, unknown>)[op] = async (...args: unknown[]) => {
      const start = performance.now()
      try {
        return await call.apply(store, args)
      } catch (error) {
        if (isFailure(error)) errors.inc()
        throw error
      } finally {
        timer.observe((performance.now() - start) / 1000)
      }
    }
  }
  const { getSync } = store
  if (getSync) {
    // The synchronous read stays synchronous (the manager's fast path), timed as `get`.
    const timer = metrics.storeDuration.series('get')
    const errors = metrics.storeErrors.labels('get')
    wrapped.getSync = (id) => {
      const start = performance.now()
      try {
        return getSync.call(store, id)
      } catch (error) {
        if (isFailure(error)) errors.inc()
        throw error
      } finally {
        timer.observe((performance.now() - start) / 1000)
      }
    }
  }
  // The start-up check and the address (named in diagnostics) pass through, untimed.
  const { ready, address } = store
  if (ready) wrapped.ready = () => ready.call(store)
  if (address !== undefined) Object.assign(wrapped, { address })
  return wrapped as SessionStore
}

import type { SessionStore, StoreNotice } from '../../src/core/store.js'
import { memoryStore } from '../../src/stores/memory/index.js'

type Method = Exclude<keyof SessionStore, 'getSync' | 'observe' | 'ready' | 'address'>

/** A memory store the test controls: flush it (a restart) or make chosen calls fail. */
export interface ControlledStore {
  store: SessionStore
  /** Forgets every session at once, as a store restart or `FLUSHALL` would. */
  flush(): void
  /** Makes the `nth` next call (1-based) of `method` throw, as an unreachable store would. */
  failOn(method: Method, nth?: number): void
  /** Makes the `nth` next call (1-based) of any method throw; `fired` tells whether it did. */
  failAt(nth: number): void
  /** True once the fault set by {@link failAt} has been thrown. */
  readonly fired: boolean
  /** Calls made so far, per method. */
  readonly calls: Record<string, number>
}

/**
 * A thin wrapper over the memory store for fault injection and flushes. It leaves out
 * `getSync`, so the session manager takes the asynchronous read path of a networked store.
 *
 * @example
 * const c = controlledStore()
 * c.failOn('destroyByUser')
 */
export function controlledStore(): ControlledStore {
  let inner = memoryStore({ quiet: true })
  let sink: ((notice: StoreNotice) => void) | null = null
  const faults = new Map<Method, number>()
  const calls: Record<string, number> = {}
  let anyLeft = 0
  let fired = false
  const call =
    <M extends Method>(method: M) =>
    async (...args: Parameters<SessionStore[M]>) => {
      calls[method] = (calls[method] ?? 0) + 1
      if (anyLeft > 0 && --anyLeft === 0) {
        fired = true
        throw new Error(`injected fault in ${method}`)
      }
      const left = faults.get(method)
      if (left !== undefined) {
        if (left <= 1) {
          faults.delete(method)
          throw new Error(`injected fault in ${method}`)
        }
        faults.set(method, left - 1)
      }
      return (inner[method] as (...a: unknown[]) => unknown)(...args)
    }
  const store = {
    get: call('get'),
    create: call('create'),
    update: call('update'),
    destroy: call('destroy'),
    listByUser: call('listByUser'),
    destroyByHandle: call('destroyByHandle'),
    destroyByUser: call('destroyByUser'),
    ping: call('ping'),
    close: () => inner.close(),
    observe(s: (notice: StoreNotice) => void) {
      sink = s
      inner.observe?.(s)
    },
  } as SessionStore
  return {
    store,
    calls,
    flush() {
      void inner.close()
      inner = memoryStore({ quiet: true })
      if (sink) inner.observe?.(sink)
    },
    failOn(method, nth = 1) {
      faults.set(method, nth)
    },
    failAt(nth) {
      anyLeft = nth
      fired = false
    },
    get fired() {
      return fired
    },
  }
}

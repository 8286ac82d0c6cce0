import type { SessionStore } from '../../src/core/store.js'
import type { Gate } from './gate.js'

/**
 * A store whose every call is released by the scheduler (through `gate`), so that two requests
 * can be suspended between their read and their write. It has no `getSync`: the manager's
 * synchronous read would bypass the scheduler. `who` names the calling request in the
 * scheduler's report (a counterexample then reads as a timeline).
 *
 * @example
 * const store = gatedStore(realStore, gate, () => 'b0 write')
 */
export function gatedStore(inner: SessionStore, gate: Gate, who: () => string): SessionStore {
  const at = (op: string) => `${who()}: ${op}`
  return {
    get: (id) => gate.call(at('get'), () => inner.get(id)),
    create: (record, options) => gate.call(at('create'), () => inner.create(record, options)),
    update: (id, patch) => gate.call(at('update'), () => inner.update(id, patch)),
    destroy: (id) => gate.call(at('destroy'), () => inner.destroy(id)),
    listByUser: (userId) => gate.call(at('listByUser'), () => inner.listByUser(userId)),
    destroyByHandle: (handle, options) =>
      gate.call(at('destroyByHandle'), () => inner.destroyByHandle(handle, options)),
    destroyByUser: (userId, options) =>
      gate.call(at('destroyByUser'), () => inner.destroyByUser(userId, options)),
    ping: () => inner.ping(),
    // The shared backend outlives each schedule: the suite closes it once.
    close: async () => {},
  }
}

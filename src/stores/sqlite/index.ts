import type { SessionStore } from '../../core/store.js'
/** Placeholder until the SQLite store lands (issue 4). */
export function sqliteStore(_options: { path: string }): SessionStore {
  throw new Error('the SQLite store is not implemented yet; use STORE_URL=memory:')
}

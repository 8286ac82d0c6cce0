import type { SessionStore } from '../../core/store.js'
/** Placeholder until the PostgreSQL store lands (issue 4). */
export function postgresStore(_options: { connectionString: string }): SessionStore {
  throw new Error('the PostgreSQL store is not implemented yet; use STORE_URL=memory:')
}

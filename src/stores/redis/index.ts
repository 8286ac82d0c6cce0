import type { SessionStore } from '../../core/store.js'
/** Placeholder until the Redis store lands (issue 4). */
export function redisStore(_options: { url: string }): SessionStore {
  throw new Error('the Redis store is not implemented yet; use STORE_URL=memory:')
}
/** Placeholder until the Redis Cluster store lands (issue 4). */
export function redisClusterStore(_options: { nodes: string[] }): SessionStore {
  throw new Error('the Redis Cluster store is not implemented yet; use STORE_URL=memory:')
}

import type { Need } from './cases.js'

/** How the report names each store. */
export const STORE_LABEL = {
  memory: 'memory',
  sqlite: 'SQLite',
  redis: 'Redis',
  cluster: 'Redis Cluster',
  postgres: 'PostgreSQL',
} as const

/** What each store needs from the harness. */
export const NEEDS: Record<keyof typeof STORE_LABEL, Need[]> = {
  memory: [],
  sqlite: [],
  redis: ['redis'],
  cluster: ['cluster'],
  postgres: ['postgres'],
}

// The names of the near cache's NOTIFY channel, apart from the listener (listen.ts) so that the
// public types reach no driver type: index.ts re-exports nearCacheChannel from here.
import { createHash } from 'node:crypto'
import { type PgTables, pgTables } from './schema.js'

/**
 * The NOTIFY channel of one store's tables (`tessera_nc_<hash of schema and prefix>`): stores
 * of different tables never hear each other.
 *
 * @example
 * notifyChannel(pgTables('public', 'tessera_')) // 'tessera_nc_…'
 */
export function notifyChannel(t: PgTables): string {
  return `tessera_nc_${createHash('sha256').update(t.sessions).digest('hex').slice(0, 16)}`
}

/**
 * The NOTIFY channel of the store with these `schema` and `tablePrefix` options, which is also
 * the `application_name` of its near cache's listening connection (to find it in
 * `pg_stat_activity`).
 *
 * @example
 * nearCacheChannel({ tablePrefix: 'tessera_' }) // 'tessera_nc_…'
 */
export function nearCacheChannel(o: { schema?: string; tablePrefix?: string } = {}): string {
  return notifyChannel(pgTables(o.schema ?? 'public', o.tablePrefix ?? 'tessera_'))
}

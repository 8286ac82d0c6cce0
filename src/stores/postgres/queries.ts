import { createHash } from 'node:crypto'
import { PG_COLUMNS } from './codec.js'
import type { PgTables } from './schema.js'

/** Rows deleted per sweep statement, so a large sweep never holds many row locks at once. */
export const SWEEP_BATCH = 1000

/** A query config for `pool.query`, built from a named statement and its values. */
export interface PgQuery {
  name: string
  text: string
  values: unknown[]
}

/**
 * Every statement of the PostgreSQL store, as named (server-side prepared) statements.
 * Values are always parameters; only the validated table names are interpolated.
 *
 * @example
 * await pool.query(pgQueries(t).get([id, Date.now()]))
 */
export function pgQueries(t: PgTables) {
  // Named statements are parsed once per connection. Names come from the SQL text, so stores
  // with different tables never share a name.
  const statement = (text: string) => {
    const name = `tessera_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`
    return (values: unknown[]): PgQuery => ({ name, text, values })
  }
  return {
    get: statement(
      `SELECT ${PG_COLUMNS} FROM ${t.sessions} WHERE id = $1
       UNION ALL
       SELECT s.id, s.handle, s.user_id, s.data, s.meta, s.created_at, s.last_seen_at,
              s.renewed_at, s.authenticated_at, s.idle_expires_at, s.absolute_expires_at, s.version
         FROM ${t.aliases} a JOIN ${t.sessions} s ON s.id = a.session_id
        WHERE a.id = $1 AND a.expires_at > $2
       LIMIT 1`,
    ),
    update: statement(
      `UPDATE ${t.sessions} SET data = (data || $2::jsonb) - $3::text[],
         meta = (meta || $4::jsonb) - $5::text[],
         last_seen_at = coalesce($6, last_seen_at),
         idle_expires_at = coalesce($7, idle_expires_at),
         authenticated_at = coalesce($8, authenticated_at),
         version = version + 1
       WHERE id = $1 AND ($9::integer IS NULL OR version = $9)`,
    ),
    insert: statement(
      `INSERT INTO ${t.sessions} (${PG_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    ),
    insertAlias: statement(
      `INSERT INTO ${t.aliases} (id, session_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, expires_at = excluded.expires_at`,
    ),
    lockUser: statement('SELECT pg_advisory_xact_lock($1, hashtext($2))'),
    // Expired rows of this user go first, keeping one user's rows bounded between sweeps.
    liveOfUser: statement(
      `WITH gone AS (DELETE FROM ${t.sessions} WHERE user_id = $1 AND expires_at <= $2)
       SELECT id FROM ${t.sessions} WHERE user_id = $1 AND expires_at > $2
       ORDER BY last_seen_at, created_at, id`,
    ),
    deleteIds: statement(`DELETE FROM ${t.sessions} WHERE id = ANY($1) RETURNING ${PG_COLUMNS}`),
    deleteById: statement(`DELETE FROM ${t.sessions} WHERE id = $1 RETURNING ${PG_COLUMNS}`),
    // The replaced record of a create: exactly this id, and with a version, only at it. The row
    // lock makes a concurrent replacement wait, then re-check the row, find it gone, skip.
    deleteReplaced: statement(
      `DELETE FROM ${t.sessions} WHERE id = $1 AND ($2::integer IS NULL OR version = $2)`,
    ),
    listByUser: statement(`SELECT ${PG_COLUMNS} FROM ${t.sessions} WHERE user_id = $1`),
    deleteByHandle: statement(
      `DELETE FROM ${t.sessions} WHERE handle = $1 AND ($2::text IS NULL OR user_id = $2)
       RETURNING ${PG_COLUMNS}`,
    ),
    deleteByUser: statement(
      `DELETE FROM ${t.sessions} WHERE user_id = $1 AND id IS DISTINCT FROM $2
       RETURNING ${PG_COLUMNS}`,
    ),
    sweepBatch: statement(
      `DELETE FROM ${t.sessions} WHERE id IN (SELECT id FROM ${t.sessions}
         WHERE expires_at <= $1 LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`,
    ),
    sweepAliases: statement(`DELETE FROM ${t.aliases} WHERE expires_at <= $1`),
  }
}

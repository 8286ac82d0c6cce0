import pg from 'pg'
import { postgresAudit } from '../../src/monitoring/audit/postgres.js'
import { auditBackendSuite } from './suite.js'
import { service, uniqueName } from './services.js'

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const table = uniqueName('audit_test')
let pool: pg.Pool | null = null

auditBackendSuite('PostgreSQL', {
  open: async () => {
    pool = await service('PostgreSQL', async () => {
      const p = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 })
      p.on('error', () => {})
      try {
        await p.query('SELECT 1')
      } catch (error) {
        await p.end()
        throw error
      }
      return p
    })
    // The backend opens its own pool from the URL, as the app does.
    return pool ? postgresAudit({ connectionString: url, table }) : null
  },
  drop: async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`)
    await pool?.end()
  },
})

import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { TesseraError } from '../../src/core/errors.js'
import { generateToken, hashToken } from '../../src/core/token.js'
import { sampleRecord } from '../../src/stores/conformance/sample.js'
import { ApiClient, startApp } from '../helpers/client.js'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { pgTables } from '../../src/stores/postgres/schema.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'

const db = await testDatabase('faults')
const { admin, schema, up, url: DATABASE_URL } = db
const makeStore = db.store
afterAll(db.drop)

const record = sampleRecord

describe.skipIf(!up)('PostgreSQL store faults', () => {
  it('rejects with ERR_STORE_UNAVAILABLE when the server cannot be reached', async () => {
    const store = postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' })
    for (const call of [
      () => store.ping(),
      () => store.get(hashToken(generateToken())),
      () => store.create(record(Date.now())),
      () => store.update('x', { lastSeenAt: 1 }),
    ]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as TesseraError).code).toBe('ERR_STORE_UNAVAILABLE')
      expect((error as TesseraError).message).not.toContain('postgres://')
    }
    await store.close()
  })

  it('a login cut off mid-transaction rejects, and the store serves again without a restart', async () => {
    const app = `tessera_kill_${randomBytes(4).toString('hex')}`
    const sep = DATABASE_URL.includes('?') ? '&' : '?'
    const store = makeStore({
      tablePrefix: 'kill_',
      connectionString: `${DATABASE_URL}${sep}application_name=${app}`,
    })
    const r = record(Date.now())
    await store.create(r)
    await Promise.all(Array.from({ length: 5 }, () => store.get(r.id)))
    // Hold this user's advisory lock elsewhere, so the store's login waits inside its
    // transaction; then kill every backend of the store's pool (the server itself stays up).
    const holder = await admin.connect()
    const blocked = record(Date.now(), { userId: 'blocked' })
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        pgTables(schema, 'kill_').lockSpace,
        'blocked',
      ])
      const login = store.create(blocked, { limit: { max: 3, policy: 'evict-oldest' } })
      const outcome = login.then(
        () => 'created',
        (e: unknown) => (e as TesseraError).code,
      )
      const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity
                        WHERE application_name = $1 AND wait_event_type = 'Lock'`
      for (let i = 0; i < 100; i++) {
        if ((await admin.query(waiting, [app])).rows[0].n > 0) break
        await new Promise((done) => setTimeout(done, 20))
      }
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
        [app],
      )
      expect(killed.rows.length).toBeGreaterThan(0)
      expect(await outcome).toBe('ERR_STORE_UNAVAILABLE')
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()')
      holder.release()
    }
    // Idle clients died too: calls may fail while the pool replaces them, never for long.
    let served = null
    for (let attempt = 0; attempt < 20 && !served; attempt++) {
      served = await store.get(r.id).catch((e: unknown) => {
        expect((e as TesseraError).code).toBe('ERR_STORE_UNAVAILABLE')
        return new Promise<null>((done) => setTimeout(() => done(null), 100))
      })
    }
    expect(served?.id).toBe(r.id)
    expect(await store.get(blocked.id)).toBeNull()
    await store.create(blocked, { limit: { max: 3, policy: 'evict-oldest' } })
    expect(await store.get(blocked.id)).not.toBeNull()
  })

  it('makes the reference app fail closed with 503 while the database is unreachable', async () => {
    const store = postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' })
    const app = await startApp({}, { store })
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(503)
      const cookie = `__Host-sid=${generateToken()}`
      const me = await fetch(`${app.url}/api/me`, { headers: { cookie } })
      expect(me.status).toBe(503)
      expect(await me.text()).not.toContain('postgres://')
    } finally {
      await app.close()
    }
  })

  it('keeps logged-in sessions of the reference app across an app restart', async () => {
    const options = { schema, tablePrefix: 'app_' }
    let app = await startApp({}, { store: makeStore(options) })
    const phone = new ApiClient(app.url)
    expect((await phone.login('alice')).status).toBe(200)
    await app.close()
    app = await startApp({}, { store: makeStore(options) })
    const again = Object.assign(new ApiClient(app.url), { cookie: phone.cookie, csrf: phone.csrf })
    const me = await again.request('GET', '/api/me')
    expect(me.status).toBe(200)
    const list = await again.request('GET', '/api/sessions')
    expect((list.body as { sessions: unknown[] }).sessions).toHaveLength(1)
    await app.close()
  })
})

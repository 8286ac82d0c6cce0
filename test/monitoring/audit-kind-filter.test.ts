import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditQuery } from '../../app/routes/admin-api.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'

// GET /api/admin/audit?kind=lifecycle|security: the audit log's two kinds (info records against
// warn and critical ones), through the reference app on the memory and SQLite stores.

const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-kind-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Row = { type: string; level: string; userId: string | null }

describe('auditQuery kind', () => {
  it('reads lifecycle and security', () => {
    expect(auditQuery('kind=security')).toEqual({ limit: 100, kind: 'security' })
    expect(auditQuery('kind=lifecycle&user=u1')).toEqual({
      limit: 100,
      kind: 'lifecycle',
      userId: 'u1',
    })
  })

  it('refuses any other value with a 400 that does not echo it', () => {
    for (const q of ['kind=', 'kind=Security', 'kind=all', 'kind=lifecycle,security', 'kind=%00']) {
      let error: unknown
      try {
        auditQuery(q)
      } catch (e) {
        error = e
      }
      expect(error, q).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST' })
      expect((error as Error).message).toBe('kind must be one of lifecycle, security')
    }
  })
})

for (const [name, storeUrl] of [
  ['memory', 'memory:'],
  ['SQLite', `sqlite:${join(dir, 'app.db')}`],
] as const) {
  describe(`the audit kind filter on the ${name} store`, () => {
    let running: RunningApp
    let admin: ApiClient
    beforeAll(async () => {
      running = await startApp({ STORE_URL: storeUrl }, { scryptCost: 16 })
      expect((await new ApiClient(running.url).login('bob', 'wrong')).status).toBe(401)
      expect((await new ApiClient(running.url).login('alice')).status).toBe(200)
      admin = new ApiClient(running.url)
      expect((await admin.login('admin')).status).toBe(200)
    })
    afterAll(() => running?.close())

    const audit = async (q: string) => {
      const res = await admin.request('GET', `/api/admin/audit?${q}`)
      expect(res.status, q).toBe(200)
      return (res.body as { events: Row[] }).events
    }

    it('returns only security records for kind=security', async () => {
      const rows = await audit('kind=security')
      expect(rows.map((r) => r.type)).toContain('authn_login_fail')
      expect(rows.every((r) => r.level === 'warn' || r.level === 'critical')).toBe(true)
    })

    it('returns only lifecycle records for kind=lifecycle, with the other filters', async () => {
      const rows = await audit('kind=lifecycle')
      expect(rows.map((r) => r.type)).toEqual(
        expect.arrayContaining(['authn_login_success', 'session_created']),
      )
      expect(rows.every((r) => r.level === 'info')).toBe(true)
      expect(await audit('kind=lifecycle&type=authn_login_fail')).toEqual([])
      expect(await audit('kind=security&type=authn_login_success')).toEqual([])
      const alice = await audit('kind=lifecycle&user=u1&type=authn_login_success')
      expect(alice).toMatchObject([{ userId: 'u1' }])
    })

    it('answers an unknown kind with 400', async () => {
      const res = await admin.request('GET', '/api/admin/audit?kind=everything')
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ error: { code: 'ERR_BAD_REQUEST' } })
    })
  })
}

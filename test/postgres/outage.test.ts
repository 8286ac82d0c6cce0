import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { ApiClient, startApp } from '../helpers/client.js'
import { freePort } from '../services/ports.js'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'

const db = await testDatabase('outage')
afterAll(() => db.drop())

/**
 * A TCP relay in front of the shared PostgreSQL server. Stopping it looks, to the store, like
 * the database going away (connections cut, new ones refused) — without touching the server
 * other test files use.
 */
function relay(target: URL) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  return {
    get port() {
      return port
    },
    // A port outside the ephemeral range, listened on again after each stop: one from
    // listen(0) could be handed to any other listen(0) (the app's own, started while the
    // relay is down) or outgoing connection in between.
    start: async () => {
      if (port === 0) port = await freePort()
      await new Promise<void>((listening) => {
        server = createServer((client) => {
          const upstream = connect(Number(target.port || 5432), target.hostname)
          const cut = () => {
            client.destroy()
            upstream.destroy()
          }
          for (const s of [client, upstream]) {
            sockets.add(s)
            s.on('error', cut)
            s.on('close', () => {
              sockets.delete(s)
              cut()
            })
          }
          client.pipe(upstream).pipe(client)
        })
        server.listen(port, '127.0.0.1', () => listening())
      })
    },
    stop: () =>
      new Promise<void>((closed) => {
        for (const s of sockets) s.destroy()
        server?.close(() => closed())
      }),
  }
}

/** Calls `fn` until it stops rejecting (each rejection must be ERR_STORE_UNAVAILABLE). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ERR_STORE_UNAVAILABLE')
      if (attempt >= 30) throw error
      await new Promise((retry) => setTimeout(retry, 100))
    }
  }
}

describe.skipIf(!db.up)('PostgreSQL outage and recovery', () => {
  it('fails closed while the database is away and serves again when it returns, without a restart', async () => {
    const proxy = relay(new URL(db.url))
    await proxy.start()
    const url = new URL(db.url)
    url.hostname = '127.0.0.1'
    url.port = String(proxy.port)
    // Starts while the database is away: the schema is created on the first call that works.
    await proxy.stop()
    const store = postgresStore({ connectionString: url.href, schema: db.schema })
    const app = await startApp({}, { store })
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(503)
      await proxy.start()
      await eventually(() => store.ping())
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
      const alice = new ApiClient(app.url)
      expect((await alice.login('alice')).status).toBe(200)
      expect((await alice.request('GET', '/api/me')).status).toBe(200)

      await proxy.stop()
      expect((await fetch(`${app.url}/healthz`)).status).toBe(503)
      const down = await alice.request('GET', '/api/me')
      expect(down.status).toBe(503)
      expect(JSON.stringify(down.body)).not.toContain('postgres')

      await proxy.start()
      await eventually(() => store.ping())
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
      // The session committed before the outage is still there.
      expect((await alice.request('GET', '/api/me')).status).toBe(200)
    } finally {
      await app.close()
      await proxy.stop()
    }
  })
})

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { generateToken } from '../../src/core/token.js'
import { Browser } from '../helpers/browser.js'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'
import { type ControlledStore, controlledStore } from '../helpers/controlled-store.js'

const CLIENTS = 1_000
const JUNK = 10_000

/** Runs `task(i)` for i < n with at most `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < n) await task(next++)
  }
  await Promise.all(Array.from({ length: width }, lane))
}

let running: RunningApp
let control: ControlledStore
const events: SessionEvent[] = []
beforeAll(async () => {
  control = controlledStore()
  // A clock that does not move: the whole run is one guessing window, whatever the machine.
  running = await startApp(
    { SESSION_MAX_PER_USER: '2000' },
    { store: control.store, clock: manualClock(Date.now()), scryptCost: 16 },
  )
  running.app.sessions.on((e) => events.push(e))
})
afterAll(async () => {
  await running?.close()
})

describe('stale cookies and junk tokens from one address (one office NAT, one attacker)', () => {
  it('lets 1,000 returning users sign in and a signed-in user work, while 10,000 junk cookies arrive', async () => {
    const url = running.url
    // 1,000 browsers signed in yesterday; then the store lost every session (restart, flush).
    const crowd = Array.from({ length: CLIENTS }, () => new Browser(url))
    await pool(CLIENTS, 2, async (i) => {
      const { answer } = await crowd[i]!.logIn(i % 2 ? 'alice' : 'bob')
      expect(answer.location).toBe('/account')
    })
    control.flush()
    const stale = crowd.map((b) => b.jar.get('__Host-sid'))
    expect(new Set(stale).size).toBe(CLIENTS)

    // A user on the same address signs in after the flush and keeps working throughout.
    const worker = new ApiClient(url)
    expect((await worker.login('admin')).status).toBe(200)
    const workerStatuses: number[] = []
    const publicStatuses: number[] = []
    let attacking = true

    const attacker = pool(JUNK, 8, async (i) => {
      // Unknown well-formed tokens, and malformed ones every tenth request.
      const value = i % 10 === 0 ? randomBytes(9).toString('hex') : generateToken()
      const res = await fetch(`${url}/api/me`, { headers: { cookie: `__Host-sid=${value}` } })
      await res.arrayBuffer()
      expect(res.status).toBe(401)
      if (i % 10 !== 0)
        expect(res.headers.getSetCookie().join()).toMatch(/^__Host-sid=; .*Max-Age=0/)
    }).finally(() => {
      attacking = false
    })
    const work = (async () => {
      while (attacking) {
        workerStatuses.push((await worker.request('GET', '/api/me')).status)
        const home = await fetch(`${url}/`)
        await home.arrayBuffer()
        publicStatuses.push(home.status)
      }
    })()
    const returning = pool(CLIENTS, 2, async (i) => {
      const b = crowd[i]!
      const { page, answer } = await b.logIn(i % 2 ? 'alice' : 'bob')
      // The login page is served, never a 429, and the stale cookie is gone (cleared, or
      // replaced by the login form's pre-session).
      expect(page.status).toBe(200)
      expect(b.jar.get('__Host-sid')).not.toBe(stale[i])
      expect(answer.status).toBe(303)
      expect(answer.location).toBe('/account')
      const me = await b.get('/api/me', { accept: 'application/json' })
      expect(me.status).toBe(200)
    })
    await Promise.all([attacker, work, returning])

    expect(workerStatuses.length).toBeGreaterThan(0)
    expect(workerStatuses.every((s) => s === 200)).toBe(true)
    expect(publicStatuses.every((s) => s === 200)).toBe(true)
    // The guessing is still seen: one critical alert for the address in this window.
    const alerts = events.filter(
      (e) => e.type === 'session_anomaly' && e.reason === 'token_guessing',
    )
    expect(alerts).toMatchObject([{ level: 'critical', ip: '127.0.0.1' }])
  }, 240_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'
import { type ControlledStore, controlledStore } from '../helpers/controlled-store.js'

let running: RunningApp
let control: ControlledStore
beforeAll(async () => {
  control = controlledStore()
  running = await startApp({}, { store: control.store, scryptCost: 16 })
})
afterAll(async () => {
  await running?.close()
})

describe('changing the password under a store fault', () => {
  it('never leaves "password changed, other sessions alive" behind an error, whichever store call fails', async () => {
    const password = 'tessera-demo'
    const outcomes: number[] = []
    for (let n = 1; n <= 40; n++) {
      const current = new ApiClient(running.url)
      const other = new ApiClient(running.url)
      expect((await current.login('alice', password)).status).toBe(200)
      expect((await other.login('alice', password)).status).toBe(200)
      const next = `new-password-${n}`
      control.failAt(n)
      const res = await current.request('POST', '/api/password', {
        currentPassword: password,
        newPassword: next,
      })
      const fired = control.fired
      control.failAt(0)
      const changed = (await running.app.users.verify('alice', next)) !== null
      const otherAlive = (await other.request('GET', '/api/me')).status === 200
      outcomes.push(res.status)
      if (!fired) {
        // Every store call of the change has had its fault: now it goes through.
        expect(res.status).toBe(200)
        expect(changed).toBe(true)
        expect(otherAlive).toBe(false)
        expect((await current.request('GET', '/api/me')).status).toBe(200)
        break
      }
      expect(res.status).toBe(503)
      // An error means "not changed": the old password still works, the new one does not.
      expect(changed).toBe(false)
      expect(await running.app.users.verify('alice', password)).not.toBeNull()
      expect(changed && otherAlive).toBe(false)
    }
    // The change made several store calls, each of which was made to fail once.
    expect(outcomes.length).toBeGreaterThanOrEqual(4)
    expect(outcomes.at(-1)).toBe(200)
  })
})

import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import { TesseraError } from './errors.js'
import type { SessionEvent } from './events.js'
import { createSessions, type SessionManager } from './manager.js'
import type { Session } from './session.js'

// The `reject-new` cap policy end to end through the manager (the stores' own tests cover the
// atomic refusal; here: what a login at the cap does to the request's session and events).

const tokenOf = (s: Session) => /^__Host-sid=([^;]*)/.exec(s.setCookie ?? '')?.[1] ?? ''
const cookie = (token: string) => `__Host-sid=${token}`

function setup() {
  const clock = manualClock()
  const sessions = createSessions({
    store: memoryStore({ clock, quiet: true }),
    clock,
    maxSessionsPerUser: 2,
    limitPolicy: 'reject-new',
  })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  return { sessions, events, clock }
}

async function login(sessions: SessionManager, userId: string): Promise<string> {
  const s = await sessions.load({})
  await s.regenerate({ userId, authenticated: true })
  await s.commit()
  return tokenOf(s)
}

describe('reject-new through the session manager', () => {
  it('refuses a login beyond the cap with ERR_SESSION_LIMIT (409) and changes nothing', async () => {
    const { sessions, events } = setup()
    const first = await login(sessions, 'u1')
    const second = await login(sessions, 'u1')
    // A visitor with a saved pre-session (a basket) tries to sign in as u1 a third time.
    const visitor = await sessions.load({})
    visitor.set('basket', ['book'])
    await visitor.commit()
    const visitorToken = tokenOf(visitor)
    const s = await sessions.load({ cookie: cookie(visitorToken) })
    const before = events.length
    const refused = await s.regenerate({ userId: 'u1', authenticated: true }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(TesseraError)
    expect(refused).toMatchObject({ code: 'ERR_SESSION_LIMIT', status: 409 })
    expect(events.slice(before).map((e) => e.type)).not.toContain('session_created')
    // The two sessions stand, and the visitor is still the anonymous visitor with the basket.
    expect((await sessions.admin.list('u1')).length).toBe(2)
    for (const t of [first, second]) {
      expect((await sessions.load({ cookie: cookie(t) })).userId).toBe('u1')
    }
    const again = await sessions.load({ cookie: cookie(visitorToken) })
    expect(again.exists).toBe(true)
    expect(again.userId).toBeNull()
    expect(again.get('basket')).toEqual(['book'])
  })

  it('lets the user in again once a session has ended, and never limits another user', async () => {
    const { sessions } = setup()
    const first = await login(sessions, 'u1')
    await login(sessions, 'u1')
    await expect(login(sessions, 'u1')).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT' })
    expect(await login(sessions, 'u2')).not.toBe('')
    const s = await sessions.load({ cookie: cookie(first) })
    await s.destroy()
    await s.commit()
    const third = await login(sessions, 'u1')
    expect((await sessions.load({ cookie: cookie(third) })).userId).toBe('u1')
    expect((await sessions.admin.list('u1')).length).toBe(2)
  })
})

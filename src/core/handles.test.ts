// One identifier a user can hold (issue 15). Each friction point is checked twice: by the
// compiler (the `@ts-expect-error` lines fail `tsc` if the wrong call ever type-checks) and at
// run time (the same call, made anyway, throws a TypeError that says how to fix it).
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import type { SessionEvent } from './events.js'
import {
  isSessionHandle,
  parseSessionHandle,
  type SessionHandle,
  type SessionId,
} from './handle.js'
import { createSessions, type SessionManager } from './manager.js'
import type { Session } from './session.js'
import { sessionIdOf } from './session.js'
import { generateToken } from './token.js'

const cookieOf = (s: Session) => /^__Host-sid=([^;]*)/.exec(s.setCookie ?? '')?.[1] ?? ''

function setup() {
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  return { sessions, events, clock }
}

/** Signs `userId` in on a new device; returns that device's session, as its next request sees it. */
async function device(sessions: SessionManager, userId: string): Promise<Session> {
  const s = await sessions.load({})
  await s.regenerate({ userId, authenticated: true })
  await s.commit()
  return sessions.load({ cookie: `__Host-sid=${cookieOf(s)}` })
}

async function alive(sessions: SessionManager, s: Session): Promise<boolean> {
  return (await sessions.admin.list(s.userId!)).some((row) => row.handle === s.handle)
}

describe('handles and ids are distinct types', () => {
  it('refuses an id where a handle is expected, and a handle where an id is', async () => {
    const { sessions } = setup()
    const s = await device(sessions, 'alice')
    const id = s.record!.id
    const handle = s.handle!
    // @ts-expect-error a store id is not a handle
    await expect(async () => sessions.revoke(id, { owner: 'alice' })).rejects.toThrow(
      /session id or token, not a handle/,
    )
    const userId = 'alice'
    // @ts-expect-error nor a user id (any plain string)
    await expect(async () => sessions.revoke(userId, { owner: 'alice' })).rejects.toThrow(
      /a 5-character string is not a session handle/,
    )
    // @ts-expect-error a handle is not a store id
    await expect(async () => sessions.getRecord(handle)).rejects.toThrow(/not a session handle/)
    // @ts-expect-error
    await expect(async () => sessions.updateRecord(handle, {})).rejects.toThrow(TypeError)
    const branded: SessionId = id
    // @ts-expect-error the brands do not mix
    const crossed: SessionHandle = branded
    expect(crossed).toBe(id)
    expect(await alive(sessions, s)).toBe(true)
  })

  it('does not expose session.id; the error names what to use', async () => {
    const { sessions } = setup()
    const s = await device(sessions, 'alice')
    expect(() => s.id).toThrow(/session.id is not exposed: use session.handle/)
    expect(sessionIdOf(s)).toBe(s.record!.id)
  })

  it('parses untrusted handles to null instead of throwing', () => {
    expect(parseSessionHandle('a'.repeat(22))).toBe('a'.repeat(22))
    for (const bad of ['', 'short', 'a'.repeat(23), `${'a'.repeat(21)}/`, 42, null, undefined])
      expect(parseSessionHandle(bad)).toBeNull()
    expect(isSessionHandle(generateToken())).toBe(false)
  })
})

describe('revokeUser keeps exactly the excepted session', () => {
  it.each([
    ['a handle', (s: Session) => s.handle],
    ['the session itself', (s: Session) => s],
  ])('ends the two other sessions and keeps the current one, given %s', async (_, except) => {
    const { sessions } = setup()
    const current = await device(sessions, 'alice')
    const others = [await device(sessions, 'alice'), await device(sessions, 'alice')]
    expect(await sessions.revokeUser('alice', { except: except(current) })).toBe(2)
    expect(await alive(sessions, current)).toBe(true)
    for (const o of others) expect(await alive(sessions, o)).toBe(false)
  })

  it('refuses a store id as except (the bug: it ended all three) and ends nothing', async () => {
    const { sessions } = setup()
    const current = await device(sessions, 'alice')
    await device(sessions, 'alice')
    const id = current.record!.id
    // @ts-expect-error an id is not a handle
    await expect(async () => sessions.revokeUser('alice', { except: id })).rejects.toThrow(
      /session id or token, not a handle/,
    )
    expect(await sessions.admin.list('alice')).toHaveLength(2)
  })

  it('revokeOthers(session) signs out everywhere else', async () => {
    const { sessions } = setup()
    const current = await device(sessions, 'alice')
    await device(sessions, 'alice')
    const bob = await device(sessions, 'bob')
    expect(await sessions.revokeOthers(current)).toBe(1)
    expect((await sessions.list(current)).map((r) => r.current)).toEqual([true])
    expect(await alive(sessions, bob)).toBe(true)
  })

  it('refuses options that are not an object (a bare reason string)', async () => {
    const { sessions } = setup()
    const current = await device(sessions, 'alice')
    await expect(async () =>
      // @ts-expect-error the options are an object
      sessions.revokeUser('alice', 'password_change'),
    ).rejects.toThrow(/options must be an object, such as \{ except: … \}/)
    expect(await alive(sessions, current)).toBe(true)
  })

  it('refuses a session where the user id goes, with the call to write instead', async () => {
    const { sessions } = setup()
    const current = await device(sessions, 'alice')
    // @ts-expect-error a Session is not a user id
    await expect(async () => sessions.revokeUser(current)).rejects.toThrow(
      /sessions.revokeOthers\(req.session\)/,
    )
  })
})

describe('revoke(handle) requires its owner', () => {
  it('is a type error and a runtime error without the owner', async () => {
    const { sessions } = setup()
    const s = await device(sessions, 'alice')
    const handle = s.handle!
    // @ts-expect-error the owner is required
    await expect(async () => sessions.revoke(handle)).rejects.toThrow(
      /needs the owner's user id: write sessions.revoke\(handle, \{ owner: user.id \}\)/,
    )
    // @ts-expect-error the old option name
    await expect(async () => sessions.revoke(handle, { userId: 'alice' })).rejects.toThrow(
      /the option is called owner now/,
    )
    expect(await alive(sessions, s)).toBe(true)
  })

  it("ends nothing when the owner is wrong (another user's handle), and says false", async () => {
    const { sessions, events } = setup()
    const bob = await device(sessions, 'bob')
    expect(await sessions.revoke(bob.handle!, { owner: 'mallory' })).toBe(false)
    expect(await alive(sessions, bob)).toBe(true)
    expect(events.filter((e) => e.type === 'session_revoked')).toEqual([])
    expect(await sessions.revoke(bob.handle!, { owner: 'bob' })).toBe(true)
    expect(await alive(sessions, bob)).toBe(false)
  })
})

describe('list(session)', () => {
  it('lists the current user with current: true on this session only', async () => {
    const { sessions } = setup()
    await device(sessions, 'alice')
    const current = await device(sessions, 'alice')
    await device(sessions, 'bob')
    const rows = await sessions.list(current)
    expect(rows).toHaveLength(2)
    expect(rows.filter((r) => r.current).map((r) => r.handle)).toEqual([current.handle])
    expect(await sessions.list(await sessions.load({}))).toEqual([])
  })

  it('refuses the old list(userId) shape with the fix', async () => {
    const { sessions } = setup()
    // @ts-expect-error a user id is not the current session
    await expect(async () => sessions.list('alice')).rejects.toThrow(
      /takes the current session, not a user id: write sessions.list\(req.session\).*sessions.admin.list\(userId\)/,
    )
  })
})

describe('the admin namespace', () => {
  it("ends anyone's session by handle and records the actor on the audit event", async () => {
    const { sessions, events } = setup()
    const bob = await device(sessions, 'bob')
    const actor = { userId: 'admin1', ip: '198.51.100.7', userAgent: 'AdminBrowser/1' }
    expect(await sessions.admin.revoke(bob.handle!, { actor })).toBe(true)
    expect(await alive(sessions, bob)).toBe(false)
    expect(events.find((e) => e.type === 'session_revoked')).toMatchObject({
      userId: 'bob',
      handle: bob.handle,
      reason: 'admin:admin1',
      ip: '198.51.100.7',
      userAgent: 'AdminBrowser/1',
    })
  })

  it('requires the actor', async () => {
    const { sessions } = setup()
    const bob = await device(sessions, 'bob')
    // @ts-expect-error the actor is required
    await expect(async () => sessions.admin.revoke(bob.handle!)).rejects.toThrow(/name who acts/)
    await expect(async () =>
      // @ts-expect-error the actor needs its user id
      sessions.admin.revokeUser('bob', { actor: { ip: '198.51.100.7' } }),
    ).rejects.toThrow(/actor: \{ userId: admin.id/)
    expect(await alive(sessions, bob)).toBe(true)
  })

  it("lists any user's sessions, marking the admin's own when given", async () => {
    const { sessions } = setup()
    const own = await device(sessions, 'admin1')
    await device(sessions, 'bob')
    expect((await sessions.admin.list('bob')).map((r) => r.current)).toEqual([false])
    const mine = await sessions.admin.list('admin1', { current: own })
    expect(mine.map((r) => r.current)).toEqual([true])
    expect(await sessions.admin.revokeUser('bob', { actor: { userId: 'admin1' } })).toBe(1)
  })
})

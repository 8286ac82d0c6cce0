// Misuse must fail loudly at the line that made it (issue 15): unknown or misspelled options,
// express-session habits, values JSON cannot store.
import { types } from 'node:util'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { manualClock } from './clock.js'
import type { TesseraError } from './errors.js'
import { createSessions } from './manager.js'
import type { SessionOptions } from './options.js'

const store = () => memoryStore({ quiet: true })
const make = (over: Record<string, unknown>) =>
  createSessions({ store: store(), ...over } as unknown as SessionOptions)
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return `${(e as TesseraError).code}: ${(e as Error).message}`
  }
  return 'no error'
}

describe('strict session options', () => {
  it('refuses a misspelled option and suggests the right one', () => {
    expect(codeOf(() => make({ idleTimout: '15m' }))).toMatch(
      /ERR_CONFIG: .*unknown option "idleTimout": did you mean "idleTimeout"/,
    )
    expect(codeOf(() => make({ maxSessionPerUser: 3 }))).toMatch(
      /did you mean "maxSessionsPerUser"/,
    )
    expect(codeOf(() => make({ renewal: { intervall: '5m' } }))).toMatch(/did you mean "interval"/)
    expect(codeOf(() => make({ cookie: { samesite: 'Strict' } }))).toMatch(
      /did you mean "sameSite"/,
    )
  })

  it('explains what to write instead of express-session options', () => {
    expect(codeOf(() => make({ secret: 'keyboard cat' }))).toMatch(
      /"secret": Tessera needs no cookie secret/,
    )
    expect(codeOf(() => make({ resave: false }))).toMatch(
      /"resave": .*only the keys a request changed/,
    )
    expect(codeOf(() => make({ saveUninitialized: false }))).toMatch(/"saveUninitialized"/)
    expect(codeOf(() => make({ cookie: { maxAge: 60_000 } }))).toMatch(
      /"maxAge": write absoluteTimeout/,
    )
  })

  it('refuses a timeout written as a small number of milliseconds, with the unit to write', () => {
    expect(codeOf(() => make({ idleTimeout: 1800 }))).toMatch(
      /idleTimeout: 1800 is 1800 milliseconds.*'30m'/,
    )
    expect(codeOf(() => make({ absoluteTimeout: 43_200 }))).toMatch(/absoluteTimeout/)
    expect(codeOf(() => make({ renewal: { interval: 300 } }))).toMatch(/renewal.interval/)
    expect(codeOf(() => make({ touchInterval: 60 }))).toMatch(
      /touchInterval: 60 is 60 milliseconds.*'5s'/,
    )
    expect(codeOf(() => make({ renewal: { interval: '5m', grace: 15 } }))).toMatch(
      /renewal.grace: 15/,
    )
    expect(codeOf(() => make({ renewal: { interval: '5m', grace: 0 } }))).toBe('no error')
    expect(codeOf(() => make({ idleTimeout: '5s', absoluteTimeout: '1m' }))).toBe('no error')
    expect(codeOf(() => make({ idleTimeout: 15 * 60_000 }))).toBe('no error')
  })

  it('accepts every documented option', () => {
    const clock = manualClock()
    expect(
      codeOf(() =>
        make({
          cookie: { name: '__Host-s', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' },
          idleTimeout: '15m',
          absoluteTimeout: '8h',
          touchInterval: '30s',
          renewal: { interval: '5m', grace: '10s' },
          maxSessionsPerUser: 3,
          limitPolicy: 'reject-new',
          reauthWindow: '5m',
          clock,
          production: false,
          clearSiteData: false,
          deviceParser: () => ({ browser: 'b', os: 'o', type: 't' }),
        }),
      ),
    ).toBe('no error')
  })
})

describe('express-session habits fail loudly', () => {
  it('refuses a callback to regenerate and destroy at the call, with the fix', async () => {
    const sessions = make({})
    const s = await sessions.load({})
    const cb = (() => {}) as never
    // Synchronous: `req.session.regenerate(function (err) { … })` is never awaited, so a
    // rejected promise would go unseen and the request would hang as before.
    expect(() => s.regenerate(cb)).toThrow(TypeError)
    expect(() => s.regenerate(cb)).toThrow(/takes no callback.*await req.session.regenerate\(\)/)
    expect(() => s.destroy(cb)).toThrow(/await req.session.destroy\(\)/)
  })

  it('refuses a misspelled regenerate option at the call', async () => {
    const s = await make({}).load({})
    expect(() => s.regenerate({ userID: 'u1' } as never)).toThrow(/did you mean "userId"/)
  })

  it('refuses a user id that is not a non-empty string, and meta JSON cannot store, at the call', async () => {
    const s = await make({}).load({})
    // A numeric id (an SQL serial) was stored as a number: revokeUser(String(id)) and
    // revoke(handle, { owner }) then found none of the user's sessions.
    for (const userId of [5, '', {}])
      expect(() => s.regenerate({ userId } as never)).toThrow(/userId must be a non-empty string/)
    // On the SQL stores a BigInt or a cycle in meta surfaced as a store outage (503, critical).
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const bad of [{ authMethod: 1n }, { authMethod: cycle }])
      expect(() => s.regenerate({ userId: 'u1', meta: bad } as never)).toThrow(/meta/)
    expect(() => s.regenerate(null as never)).toThrow(/options must be an object/)
    expect(() => s.destroy(null as never)).toThrow(/options must be an object/)
    await s.regenerate({ userId: 'u1', meta: { authMethod: 'password' } })
    expect(s.userId).toBe('u1')
  })

  it('refuses set, delete and a second step while a regenerate is still running', async () => {
    const s = await make({}).load({})
    const step = s.regenerate({ userId: 'u1' })
    expect(() => s.set('user', 'u1')).toThrow(/await req.session.regenerate\(\)/)
    expect(() => s.delete('user')).toThrow(TypeError)
    expect(() => s.regenerate({ userId: 'u1' })).toThrow(/still running/)
    expect(() => s.destroy()).toThrow(/still running/)
    await step
    s.set('user', 'u1')
    expect(s.get('user')).toBe('u1')
    await s.commit()
  })

  it('makes the commit wait for an un-awaited regenerate', async () => {
    const s = await make({}).load({})
    void s.regenerate({ userId: 'u1' })
    expect(s.pending).toBe(true)
    await s.commit()
    expect(s.userId).toBe('u1')
    expect(s.setCookie).toMatch(/^__Host-sid=.{43};/)
  })

  describe('a regenerate that fails', () => {
    // reject-new at a cap of one: the second login of u1 fails with ERR_SESSION_LIMIT.
    async function secondLogin() {
      const sessions = make({ maxSessionsPerUser: 1, limitPolicy: 'reject-new' })
      const first = await sessions.load({})
      await first.regenerate({ userId: 'u1' })
      await first.commit()
      return sessions.load({})
    }
    // Lets the step run to its end without the test touching its promise (no wall clock).
    const settle = () => new Promise((resolve) => setImmediate(resolve))

    it('fails the commit when nobody looked at the failure, even after it settled', async () => {
      const s = await secondLogin()
      void s.regenerate({ userId: 'u1' })
      await settle()
      expect(s.pending).toBe(true)
      await expect(s.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_LIMIT' })
      await s.commit() // reported once
    })

    it('leaves a failure the app awaited (and answered) to the app', async () => {
      const s = await secondLogin()
      await expect(s.regenerate({ userId: 'u1' })).rejects.toMatchObject({
        code: 'ERR_SESSION_LIMIT',
      })
      await s.commit()
      expect(s.setCookie).toBeNull()
    })

    it('leaves a failure the app caught without awaiting to the app', async () => {
      const s = await secondLogin()
      let caught: unknown = null
      s.regenerate({ userId: 'u1' }).catch((e: unknown) => {
        caught = e
      })
      await s.commit()
      expect(caught).toMatchObject({ code: 'ERR_SESSION_LIMIT' })
    })
  })

  it('throws in development when a property is assigned on the session object, with the fix', async () => {
    const s = await make({ production: false }).load({})
    const loose = s as unknown as Record<string, unknown>
    expect(() => {
      loose.user = { id: 'u1' }
    }).toThrow(TypeError)
    expect(() => {
      loose.user = { id: 'u1' }
    }).toThrow(/session.user = … is not stored.*session.set\('user', value\)/)
    expect(() => {
      delete loose.cart
    }).toThrow(/session.delete\('cart'\)/)
    // Everything else works through the guard: methods, getters, the private state behind them.
    s.set('user', 'u1')
    expect(s.get('user')).toBe('u1')
    expect(s.exists).toBe(true)
    await s.regenerate({ userId: 'u1' })
    expect(s.userId).toBe('u1')
  })

  it("names the fix in development for express-session's save, reload and touch", async () => {
    const s = (await make({ production: false }).load({})) as unknown as Record<
      string,
      (cb?: () => void) => void
    >
    // `req.session.save(() => res.redirect('/'))` after a login is the common one.
    expect(() => s.save!(() => {})).toThrow(/session.save\(\) .*commits by itself.*commit\(\)/)
    expect(() => s.reload!()).toThrow(/session.reload\(\)/)
    expect(() => s.touch!()).toThrow(/session.touch\(\)/)
    expect(s.then).toBeUndefined() // still not a thenable
  })

  it('leaves production without the guard (no proxy on the hot path)', async () => {
    const s = await make({ production: true }).load({})
    expect(types.isProxy(s)).toBe(false)
    expect(types.isProxy(await make({ production: false }).load({}))).toBe(true)
  })
})

describe('session.set accepts only what JSON stores unchanged', () => {
  it.each([
    ['a BigInt', 1n, /bigint/],
    ['a function', () => 1, /function/],
    ['a Date', new Date(0), /Date, not a plain object.*toISOString/],
    ['NaN', Number.NaN, /NaN/],
    ['a nested Map', { m: new Map() }, /"x"\.m is a Map/],
    ['a symbol', Symbol('s'), /symbol/],
  ])('refuses %s with ERR_INVALID_VALUE and stores nothing', async (_name, value, message) => {
    const sessions = make({})
    const s = await sessions.load({})
    expect(() => s.set('x', value)).toThrow(message)
    expect(codeOf(() => s.set('x', value))).toMatch(/^ERR_INVALID_VALUE/)
    expect(s.exists).toBe(false)
  })

  it('refuses a cycle', async () => {
    const s = await make({}).load({})
    const a: Record<string, unknown> = {}
    a.self = a
    expect(codeOf(() => s.set('x', a))).toMatch(/ERR_INVALID_VALUE: .*cycle/)
  })

  it('accepts nested plain JSON, shared (non-cyclic) references included', async () => {
    const s = await make({}).load({})
    const shared = { n: 1 }
    s.set('x', { a: [1, 'two', null, true, { b: shared }], c: shared })
    expect(s.get('x')).toEqual({ a: [1, 'two', null, true, { b: { n: 1 } }], c: { n: 1 } })
  })
})

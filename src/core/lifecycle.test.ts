import { ChangeSet } from './changes.js'
import { describe, expect, it } from 'vitest'
import { anonymousRecord, changesPatch, regeneratedRecord, renewedRecord } from './lifecycle.js'
import { resolveOptions } from './options.js'
import { secretKeyOf } from './secret-link.js'
import { generateToken, hashToken } from './token.js'
import { memoryStore } from '../stores/memory/index.js'

const o = resolveOptions({
  store: memoryStore({ quiet: true }),
  idleTimeout: '30m',
  absoluteTimeout: '8h',
})
const MIN = 60_000
const request = { ip: '198.51.100.1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' }

describe('the records of a session life', () => {
  const t0 = Date.UTC(2026, 0, 1)
  const first = anonymousRecord(generateToken(), t0, o)

  it('starts anonymous, with both deadlines from now', () => {
    expect(first).toMatchObject({ userId: null, createdAt: t0, authenticatedAt: null, data: {} })
    expect(first.idleExpiresAt).toBe(t0 + 30 * MIN)
    expect(first.absoluteExpiresAt).toBe(t0 + 8 * 60 * MIN)
  })

  it('makes a login a new session: new handle, new deadline, the request recorded', () => {
    const token = generateToken()
    const now = t0 + 5 * MIN
    const { record, newLogin } = regeneratedRecord(
      { old: first, data: { a: 1 }, request },
      { userId: 'u1', authenticated: true },
      token,
      now,
      o,
    )
    expect(newLogin).toBe(true)
    expect(record.id).toBe(hashToken(token))
    expect(record.handle).not.toBe(first.handle)
    expect(record).toMatchObject({ userId: 'u1', createdAt: now, authenticatedAt: now })
    expect(record.absoluteExpiresAt).toBe(now + 8 * 60 * MIN)
    expect(record.meta).toMatchObject({ ip: request.ip, userAgent: request.userAgent })
  })

  it('keeps handle, deadline and metadata on a same-user regeneration, but not the secret link', () => {
    const old = { ...first, userId: 'u1', meta: { ip: '203.0.113.9', secretLink: 'x' } }
    const { record, newLogin } = regeneratedRecord(
      { old, data: old.data, request },
      {},
      generateToken(),
      t0 + MIN,
      o,
    )
    expect(newLogin).toBe(false)
    expect(record.handle).toBe(old.handle)
    expect(record.absoluteExpiresAt).toBe(old.absoluteExpiresAt)
    expect(record.meta).toEqual({ ip: '203.0.113.9' })
  })

  it('renews under a new id with a link that keeps the secret key, never past the absolute deadline', () => {
    const oldToken = generateToken()
    const old = { ...first, id: hashToken(oldToken) }
    const key = secretKeyOf(oldToken, undefined)
    const token = generateToken()
    const late = old.absoluteExpiresAt - MIN
    const next = renewedRecord(old, token, key, late, o.idleMs)
    expect(next.id).toBe(hashToken(token))
    expect(next.handle).toBe(old.handle)
    expect(next.idleExpiresAt).toBe(old.absoluteExpiresAt)
    expect(secretKeyOf(token, next.meta.secretLink)).toBe(key)
  })

  it('patches changed keys and the touch, the idle deadline capped', () => {
    const changes = new ChangeSet()
    changes.set('a', 1)
    changes.delete('b')
    const patch = changesPatch(changes, first, t0 + MIN, o.idleMs)
    expect(patch).toEqual({
      set: { a: 1 },
      unset: ['b'],
      lastSeenAt: t0 + MIN,
      idleExpiresAt: t0 + 31 * MIN,
    })
    const late = first.absoluteExpiresAt - MIN
    expect(changesPatch(new ChangeSet(), first, late, o.idleMs)).toEqual({
      lastSeenAt: late,
      idleExpiresAt: first.absoluteExpiresAt,
    })
  })
})

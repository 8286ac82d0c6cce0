import type { SessionRecord } from '../../core/record.js'
import { randomBytes } from 'node:crypto'
import { generateHandle, generateToken, hashToken } from '../../core/token.js'

/**
 * A fresh logged-in record for store tests: user `u1`, one data key, deadlines one minute
 * (idle) and ten minutes (absolute) after `now`; `over` replaces any field.
 *
 * @example
 * await store.create(sampleRecord(Date.now(), { userId: 'alice' }))
 */
export function sampleRecord(now: number, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: hashToken(generateToken()),
    handle: generateHandle(),
    userId: 'u1',
    data: { k: 'v' },
    createdAt: now,
    lastSeenAt: now,
    renewedAt: now,
    authenticatedAt: now,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 600_000,
    meta: {},
    version: 1,
    ...over,
  }
}

/**
 * The conformance suite's fixtures: random user ids (so cases can share a database) and records
 * with data and metadata in every field.
 *
 * @example
 * const { user, make } = conformanceFixtures()
 * await store.create(make(user()))
 */
export function conformanceFixtures(): {
  user: () => string
  make: (userId: string | null, over?: Partial<SessionRecord>) => SessionRecord
} {
  const user = (): string => `user-${randomBytes(6).toString('hex')}`
  const make = (userId: string | null, over: Partial<SessionRecord> = {}): SessionRecord => {
    const now = Date.now()
    return {
      id: hashToken(generateToken()),
      handle: generateHandle(),
      userId,
      data: { n: 1, s: 'x', nested: { a: [1, 2] } },
      createdAt: now,
      lastSeenAt: now,
      renewedAt: now,
      authenticatedAt: userId ? now : null,
      idleExpiresAt: now + 60_000,
      absoluteExpiresAt: now + 600_000,
      meta: {
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0 test',
        authMethod: 'password',
        device: { browser: 'Chrome', os: 'Linux', type: 'desktop' },
      },
      version: 1,
      ...over,
    }
  }
  return { user, make }
}

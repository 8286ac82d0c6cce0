import type { SessionRecord } from '../../core/record.js'
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
    ...over,
  }
}

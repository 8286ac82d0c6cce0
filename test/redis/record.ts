import type { SessionRecord } from '../../src/core/record.js'
import { generateHandle, generateToken, hashToken } from '../../src/core/token.js'

/**
 * A live session record for store races: `lastSeenAt` sets the eviction order (oldest first);
 * its deadlines are a minute and ten minutes from now whatever that instant is.
 *
 * @example
 * await store.create(raceRecord('u-1', Date.now() - 60_000))
 */
export const raceRecord = (userId: string | null, lastSeenAt = Date.now()): SessionRecord => ({
  id: hashToken(generateToken()),
  handle: generateHandle(),
  userId,
  data: {},
  createdAt: lastSeenAt,
  lastSeenAt,
  renewedAt: lastSeenAt,
  authenticatedAt: lastSeenAt,
  idleExpiresAt: Date.now() + 60_000,
  absoluteExpiresAt: Date.now() + 600_000,
  meta: {},
  version: 1,
})

import { expiresAt } from '../../src/core/record.js'
import { CSRF_SECRET_LABEL } from '../../src/csrf/guard.js'
import { verifyToken } from '../../src/csrf/token.js'

import { Violation } from './requests.js'
import { COOKIE, LIMITS, type World } from './world.js'

/**
 * The invariants, held against the backend between steps (nothing is in flight then). Every
 * token any response ever handed out is presented again through a manager that bypasses the
 * scheduler; throws a {@link Violation} naming the first broken rule.
 *
 * @example
 * await checkInvariants(world, 'after step 3')
 */
export async function checkInvariants(w: World, when: string, everything = false): Promise<void> {
  const m = w.model
  const now = w.clock.now()
  const fail = (what: string) => {
    throw new Violation(`${when}: ${what}`)
  }
  const recordOf = new Map<string, string>()
  const at = m.tick()
  for (const [token, t] of m.tokens) {
    // A token seen dead is presented again only at the end of the schedule (a resurrection
    // stays visible), which keeps each step's check proportional to the live tokens.
    if (!everything && m.seenDead.has(token)) continue
    const s = await w.probe.load({ cookie: `${COOKIE}=${token}` })
    if (!s.exists) {
      m.seenDead.add(token)
      continue
    }
    if (m.seenDead.has(token)) fail(`token from ${t.by} authenticates again after it was dead`)
    const r = s.record!
    const name = `token from ${t.by}`
    const dead = m.deadTokens.get(token)
    if (dead) fail(`${name} still authenticates after it was ${dead}`)
    const ended = m.endedHandles.get(r.handle)
    if (ended) fail(`${name} reaches session ${r.handle}, which ended (${ended})`)
    // One live record per session: a renewal leaves exactly one successor, never a fork.
    const other = recordOf.get(r.handle)
    if (other !== undefined && other !== r.id)
      fail(`session ${r.handle} has two live records (forked); one is reached by ${name}`)
    recordOf.set(r.handle, r.id)
    const started = m.startedAt.get(r.handle)
    if (now >= r.absoluteExpiresAt) fail(`${name} authenticates past its absolute deadline`)
    if (started !== undefined && r.absoluteExpiresAt > started + LIMITS.absoluteMs)
      fail(`session ${r.handle} has its absolute deadline moved past login + absolute timeout`)
    for (const key of ['k0', 'k1']) {
      const stale = m.staleRead(r.handle, key, s.get(key), at)
      if (stale) fail(`session ${r.handle} (via ${name}): ${key}: ${stale}`)
    }
    // CSRF: tokens of this secret epoch verify, tokens of every other epoch do not.
    const secret = Buffer.from(s.deriveSecret(CSRF_SECRET_LABEL)!, 'base64url')
    for (const c of m.csrf) {
      const verifies = verifyToken(c.token, secret)
      if (c.epoch === t.epoch && !verifies)
        fail(`CSRF token from ${c.by} no longer verifies with the live ${name} (same session)`)
      if (c.epoch !== t.epoch && verifies)
        fail(`CSRF token from ${c.by} verifies with ${name}, a session it was not issued to`)
    }
  }
  for (const userId of w.users) {
    const live = (await w.store.listByUser(userId)).filter((r) => now < expiresAt(r))
    if (live.length > LIMITS.cap)
      fail(`${userId} has ${live.length} live sessions (cap ${LIMITS.cap})`)
    const handles = new Set<string>()
    for (const r of live) {
      if (handles.has(r.handle)) fail(`session ${r.handle} is listed twice (forked)`)
      handles.add(r.handle)
      const ended = m.endedHandles.get(r.handle)
      if (ended) fail(`session ${r.handle} is still listed after it ended (${ended})`)
    }
  }
  // A refresh token family never moves back: the newest token of a live family that raced no
  // other refresh is never refused.
  for (const r of m.refusals.splice(0)) {
    const f = m.families.get(r.family)
    if (!f) continue
    const excused =
      m.endedHandles.has(r.family) ||
      m.evicted.has(r.family) ||
      m.endedMaybe(f.userId, f.arrivedAt) ||
      now >= f.lastSeenAt + LIMITS.idleMs ||
      now >= f.createdAt + LIMITS.absoluteMs
    if (!excused)
      fail(
        `${r.what} (family ${r.family}, newest handed out ${f.gen}) was refused with ${r.code}, racing no other refresh of it`,
      )
  }
  for (const a of m.access) {
    const ended = m.endedHandles.get(a.family)
    if (!ended) continue
    const r = await w.probeTokens.authenticate(a.token)
    if (typeof r !== 'string')
      fail(`access token from ${a.by} still authenticates after its session ended (${ended})`)
  }
}

import { TesseraError } from '../../src/core/errors.js'
import type { SessionManager } from '../../src/core/manager.js'
import { CSRF_SECRET_LABEL } from '../../src/csrf/guard.js'
import { maskToken } from '../../src/csrf/token.js'
import { parseRefreshToken } from '../../src/jwt/refresh-token.js'
import { type ApiClient, type Browser, COOKIE, type World } from './world.js'

/** What a browser's request does between loading its session and committing it. */
export type BrowserAction =
  | 'login'
  | 'read'
  | 'write'
  | 'reauth'
  | 'logout'
  | 'revokeOne'
  | 'password'

const SIGNED_IN_ONLY: ReadonlySet<BrowserAction> = new Set(['reauth', 'revokeOne', 'password'])

/** One request of a step. */
export type Op =
  | { kind: 'browser'; browser: number; action: BrowserAction; key: 'k0' | 'k1'; pick: number }
  | { kind: 'revokeAll'; user: number }
  | { kind: 'client'; client: number; action: 'tokenLogin' | 'refresh' | 'refreshRace' }

/** A step's request as a short readable label (counterexamples read as a list of these). */
export function opLabel(op: Op): string {
  switch (op.kind) {
    case 'browser':
      return `b${op.browser} ${op.action}${op.action === 'write' ? ` ${op.key}` : op.action === 'revokeOne' ? ` #${op.pick}` : ''}`
    case 'revokeAll':
      return `admin revokeAll u${op.user}`
    case 'client':
      return `t${op.client} ${op.action}`
  }
}

/** A failed invariant (as opposed to an outcome the app is allowed to see). */
export class Violation extends Error {
  override name = 'Violation'
}

type Session = Awaited<ReturnType<SessionManager['load']>>

/** The `Set-Cookie` a response would carry (isolated here: the response shape is being reworked). */
function setCookieOf(session: Session): string | null {
  const s = session as unknown as {
    setCookie?: string | null
    response?: { setCookie?: string | null }
  }
  return s.response?.setCookie ?? s.setCookie ?? null
}

/** The session cookie's value in a `Set-Cookie`: a token, '' when it clears, null when absent. */
function cookieValue(header: string | null): string | null {
  if (header === null) return null
  const [pair] = header.split(';')
  const eq = pair!.indexOf('=')
  if (pair!.slice(0, eq).trim() !== COOKIE) return null
  const value = pair!.slice(eq + 1).trim()
  return /max-age=0/i.test(header) ? '' : value
}

const outcomeOf = (error: unknown): string => {
  if (error instanceof TesseraError) return error.code
  throw error
}

/**
 * Runs one request of a step. Resolves when its response is "received"; throws only for a
 * {@link Violation} or an error that is not a `TesseraError` (a crash is a 500: a bug).
 */
export function perform(w: World, op: Op): Promise<void> {
  const label = opLabel(op)
  return w.as(label, async (who) => {
    // The arrival itself is scheduled, so a request may start after another one of the same
    // step has finished (and read the cookie that one set).
    await w.gate.pause(`${who}: arrive`)
    switch (op.kind) {
      case 'browser':
        return browserRequest(w, who, w.browsers[op.browser]!, op)
      case 'revokeAll':
        return revokeAll(w, who, w.users[op.user]!)
      case 'client':
        if (op.action === 'tokenLogin') return tokenLogin(w, who, w.clients[op.client]!)
        if (op.action === 'refresh') return refresh(w, who, w.clients[op.client]!)
        return refreshRace(w, who, w.clients[op.client]!)
    }
  })
}

async function browserRequest(
  w: World,
  who: string,
  b: Browser,
  op: Extract<Op, { kind: 'browser' }>,
): Promise<void> {
  const m = w.model
  const arrive = m.tick()
  const sent = b.cookie
  let session: Session
  try {
    session = await w.sessions.load({ cookie: sent ? `${COOKIE}=${sent}` : undefined })
  } catch (error) {
    w.count(op.action, `load ${outcomeOf(error)}`)
    return
  }
  const loadedHandle = session.handle
  const loadedUser = session.userId
  // Signed-in pages send a signed-out browser to the login form: it signs in instead.
  const action =
    loadedUser === null && SIGNED_IN_ONLY.has(op.action) ? ('login' as const) : op.action
  // The secret epoch of the session as this request sees it (lazily new for a new session).
  let epoch = session.exists ? m.epochOf(sent) : null
  const epochNow = () => {
    epoch ??= m.newEpoch()
    return epoch
  }
  const ender = (userId: string | null) => {
    if (userId === null) return null
    const e = { userId, from: arrive, to: null as number | null }
    m.enders.push(e)
    return e
  }
  // Ops that end sessions they cannot name in advance (a password change ends every other
  // session, including one a concurrent login is creating). Evictions are named by events,
  // revocations of one session by their result.
  const ending = action === 'password' ? ender(loadedUser) : null
  let write: ReturnType<typeof m.writeStarted> | null = null
  let csrf: string | null = null
  let outcome = 'ok'
  let skipped = false
  try {
    switch (action) {
      case 'read':
        for (const key of ['k0', 'k1']) {
          if (loadedHandle === null) break
          const stale = m.staleRead(loadedHandle, key, session.get(key), arrive)
          if (stale) throw new Violation(`${who}: session ${loadedHandle}: ${key}: ${stale}`)
        }
        break
      case 'write': {
        const value = `v${m.tick()}`
        write = m.writeStarted(loadedHandle, op.key, value, arrive)
        session.set(op.key, value)
        break
      }
      case 'login':
        await session.regenerate({ userId: b.userId, authenticated: true })
        epoch = m.newEpoch()
        break
      case 'reauth':
      case 'password':
        if (loadedUser === null) {
          skipped = true
          break
        }
        if (action === 'password') {
          await w.sessions.revokeUser(loadedUser, {
            except: session,
            reason: 'password_change',
          })
        }
        await session.regenerate({ authenticated: true })
        epoch = m.newEpoch()
        break
      case 'logout':
        await session.destroy()
        break
      case 'revokeOne': {
        if (loadedUser === null) {
          skipped = true
          break
        }
        const list = await w.sessions.admin.list(loadedUser, { current: session })
        const target = list[op.pick % Math.max(1, list.length)]
        if (target && (await w.sessions.revoke(target.handle, { owner: loadedUser })))
          m.endHandle(target.handle, `revoked by ${who}`)
        break
      }
    }
    // The page: a CSRF token for the session as it now stands.
    const secret = session.exists ? session.deriveSecret(CSRF_SECRET_LABEL) : null
    if (secret !== null) csrf = maskToken(Buffer.from(secret, 'base64url'))
    await session.commit()
  } catch (error) {
    if (error instanceof Violation) throw error
    outcome = outcomeOf(error)
  }
  const done = m.tick()
  if (ending) ending.to = done
  w.count(action, skipped ? 'skipped' : outcome)
  // The browser applies the response's cookie whatever the status (errors carry it too).
  const value = cookieValue(setCookieOf(session))
  if (value === '') b.cookie = null
  else if (value !== null) {
    b.cookie = value
    m.issue(
      value,
      {
        handle: session.handle,
        userId: session.userId,
        epoch: epochNow(),
        issuedAt: done,
        by: who,
      },
      w.clock.now(),
    )
  }
  if (write) {
    if (outcome === 'ok') {
      write.resolvedAt = done
      m.writeLanded(write, session.handle, op.key)
    } else write.failedAt = done
  }
  if (outcome !== 'ok' || skipped) return
  if (csrf !== null) m.csrf.push({ token: csrf, epoch: epochNow(), by: who })
  const now = session.handle
  switch (action) {
    case 'logout':
      if (loadedHandle !== null) m.endHandle(loadedHandle, `logout by ${who}`)
      break
    case 'login':
    case 'reauth':
    case 'password':
      if (loadedHandle === null) break
      // The old token dies at once (no grace window after a regeneration); a login that
      // started a new session (another user, or a first login) ends the old one entirely.
      if (now !== loadedHandle) m.endHandle(loadedHandle, `replaced by ${who}`)
      else m.killTokensOf(loadedHandle, arrive, `regenerated by ${who}`)
      if (action === 'password' && loadedUser !== null) {
        for (const h of m.handlesOf(loadedUser, arrive))
          if (h !== loadedHandle) m.endHandle(h, `password change by ${who}`)
      }
      break
  }
}

async function revokeAll(w: World, who: string, userId: string): Promise<void> {
  const m = w.model
  const arrive = m.tick()
  const e = { userId, from: arrive, to: null as number | null }
  m.enders.push(e)
  try {
    await w.sessions.revokeUser(userId, { reason: 'admin' })
  } catch (error) {
    e.to = m.tick()
    w.count('revokeAll', outcomeOf(error))
    return
  }
  e.to = m.tick()
  w.count('revokeAll', 'ok')
  for (const h of m.handlesOf(userId, arrive)) m.endHandle(h, `revokeAll by ${who}`)
}

async function tokenLogin(w: World, who: string, c: ApiClient): Promise<void> {
  const m = w.model
  const arrive = m.tick()
  try {
    const pair = await w.tokens.issue({ userId: c.userId })
    const done = m.tick()
    w.count('tokenLogin', 'ok')
    c.refresh = pair.refresh_token
    c.gen = 0
    c.family = pair.handle
    const now = w.clock.now()
    m.families.set(pair.handle, {
      userId: c.userId,
      createdAt: now,
      lastSeenAt: now,
      gen: 0,
      issuedAt: done,
      arrivedAt: arrive,
    })
    m.access.push({ token: pair.access_token, family: pair.handle, by: who })
  } catch (error) {
    m.tick()
    w.count('tokenLogin', outcomeOf(error))
  }
}

/**
 * Two tabs of one client refresh at once, one of them twice in a row (each refresh arrives
 * through the scheduler): one refresh may then span another complete refresh (issue 12,
 * case 9). A last refresh with the newest token shows whether the family moved back.
 */
async function refreshRace(w: World, who: string, c: ApiClient): Promise<void> {
  const again = async () => {
    await w.gate.pause(`${who}: arrive again`)
    await refresh(w, who, c)
  }
  const other = w.gate.track(() => again().then(again))
  await refresh(w, who, c)
  await w.gate.join(other)
  await again()
}

async function refresh(w: World, who: string, c: ApiClient): Promise<void> {
  const m = w.model
  const sent = c.refresh
  const family = c.family
  // A client without a token signs in first.
  if (sent === null || family === null) return tokenLogin(w, who, c)
  m.tick()
  const sentGen = parseRefreshToken(sent)!.gen
  // Refreshes of one family in flight together: the loser of such a race may get a 401
  // (documented); a refresh that raced nobody must never be refused.
  const running = m.refreshing(family)
  const mine = { overlapped: running.size > 0 }
  for (const other of running) other.overlapped = true
  running.add(mine)
  try {
    const pair = await w.tokens.refresh(sent).finally(() => running.delete(mine))
    m.tick()
    w.count('refresh', 'ok')
    const next = parseRefreshToken(pair.refresh_token)!
    if (next.gen !== sentGen + 1)
      throw new Violation(`${who}: refresh of generation ${sentGen} gave ${next.gen}`)
    if (next.gen > c.gen && c.family === family) {
      c.refresh = pair.refresh_token
      c.gen = next.gen
    }
    const f = m.families.get(family)
    if (f) {
      f.lastSeenAt = w.clock.now()
      f.gen = Math.max(f.gen, next.gen)
    }
    m.access.push({ token: pair.access_token, family, by: who })
  } catch (error) {
    if (error instanceof Violation) throw error
    const code = outcomeOf(error)
    m.tick()
    w.count('refresh', code)
    // Judged once the step has settled: an eviction that ended this family is known only
    // when the response of the login that caused it arrives.
    if (!mine.overlapped)
      m.refusals.push({ family, sentGen, code, what: `${who}: refresh of generation ${sentGen}` })
    if (code === 'ERR_TOKEN_REUSED' || code === 'ERR_TOKEN_INVALID') {
      c.refresh = null
      c.family = null
    }
  }
}

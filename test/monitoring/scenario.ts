import { manualClock } from '../../src/core/clock.js'
import type { EventLevel, EventListener, SessionEventType } from '../../src/core/events.js'
import type { SessionHandle } from '../../src/core/handle.js'
import { createSessions } from '../../src/core/manager.js'
import { csrf } from '../../src/csrf/index.js'
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline.js'
import type { RequestContext } from '../../src/pipeline/types.js'
import { anomalyRules } from '../../src/monitoring/anomaly.js'
import { createDeviceParser } from '../../src/monitoring/device.js'
import { memoryStore } from '../../src/stores/memory/index.js'

export const T0 = Date.UTC(2026, 0, 1, 8, 0, 0)
export const ORIGIN = 'https://bank.example'
export const IP = '203.0.113.10'
export const UA_FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
export const UA_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

/** One expected audit event: the exact fields, `undefined` meaning "absent". */
export interface Expected {
  type: SessionEventType
  level: EventLevel
  time: string
  userId: string | null
  handle: string | null
  ip?: string
  userAgent?: string
  reason?: string
}

interface Sent {
  status: number
  cookie: string | null
  ctx: RequestContext | null
}

/** Sends one request through the pipeline (no HTTP): handler, headers, commit, cookie jar. */
async function send(
  pipeline: Pipeline,
  req: {
    method?: string
    path?: string
    cookie: string | null
    ua?: string
    headers?: Record<string, string>
  },
  handler?: (ctx: RequestContext) => Promise<unknown> | unknown,
): Promise<Sent> {
  const headers: Record<string, string> = {
    'user-agent': req.ua ?? UA_FIREFOX,
    ...(req.cookie ? { cookie: req.cookie } : {}),
    ...req.headers,
  }
  const { ctx, rejection } = await pipeline.begin({
    method: req.method ?? 'GET',
    path: req.path ?? '/api/me',
    query: '',
    secure: true,
    ip: IP,
    header: (n) => headers[n],
  })
  let status = rejection?.status ?? 200
  if (ctx && !rejection && handler) await handler(ctx)
  const out = pipeline.responseHeaders(ctx)
  if (!rejection) await pipeline.commit(ctx)
  let cookie = req.cookie
  for (const [name, value] of out) {
    if (name !== 'set-cookie') continue
    cookie = /Max-Age=0/.test(value) ? null : (value.split(';')[0] ?? null)
  }
  if (ctx && !ctx.session.exists && rejection === null && handler === undefined) status = 401
  return { status, cookie, ctx }
}

/**
 * Drives a whole session lifecycle with a manual clock — failed login, login, request,
 * rotation, idle expiry, logout, revocation, a CSRF refusal, a cap eviction and a User-Agent
 * switch — and returns the events every sink must have seen, in order, plus every token issued.
 */
export async function lifecycle(
  sinks: EventListener[],
): Promise<{ expected: Expected[]; setCookies: string[] }> {
  const clock = manualClock(T0)
  const store = memoryStore({ clock, quiet: true })
  const sessions = createSessions({
    store,
    clock,
    renewal: { interval: '10m' },
    idleTimeout: '30m',
    maxSessionsPerUser: 2,
    deviceParser: createDeviceParser(),
  })
  const setCookies: string[] = []
  for (const s of sinks) sessions.on(s)
  const anomaly = anomalyRules({ sessions })
  const plain = createPipeline(sessions, [anomaly])
  const guarded = createPipeline(sessions, [csrf({ sessions, origins: [ORIGIN] }), anomaly])
  const expected: Expected[] = []
  const now = () => new Date(clock.now()).toISOString()
  const ev = (
    type: SessionEventType,
    level: EventLevel,
    userId: string | null,
    handle: string | null,
    extra: { ip?: string; userAgent?: string; reason?: string } = { ip: IP, userAgent: UA_FIREFOX },
  ) => expected.push({ type, level, time: now(), userId, handle, ...extra })
  const track = async (p: Promise<Sent>) => {
    const r = await p
    if (r.cookie) setCookies.push(r.cookie)
    return r
  }
  const login = async (ua = UA_FIREFOX) => {
    let handle = '' as SessionHandle
    const r = await track(
      send(plain, { method: 'POST', path: '/login', cookie: null, ua }, async (ctx) => {
        await ctx.session.regenerate({
          userId: 'u1',
          authenticated: true,
          meta: { authMethod: 'password', kind: 'cookie' },
        })
        handle = ctx.session.handle!
        sessions.emit({
          type: 'authn_login_success',
          level: 'info',
          userId: 'u1',
          handle,
          ip: ctx.session.request.ip,
          userAgent: ctx.session.request.userAgent,
        })
      }),
    )
    ev('session_created', 'info', 'u1', handle, { ip: IP, userAgent: ua, reason: 'login' })
    ev('authn_login_success', 'info', 'u1', handle, { ip: IP, userAgent: ua })
    return { cookie: r.cookie!, handle }
  }

  // A failed login, as the reference app reports it.
  sessions.emit({
    type: 'authn_login_fail',
    level: 'warn',
    userId: 'mallory',
    ip: IP,
    userAgent: UA_FIREFOX,
    reason: 'bad_credentials',
  })
  ev('authn_login_fail', 'warn', 'mallory', null, {
    ip: IP,
    userAgent: UA_FIREFOX,
    reason: 'bad_credentials',
  })

  // Login, then an ordinary request: no event for the request.
  const a = await login()
  clock.advance(60_000)
  if ((await send(plain, { cookie: a.cookie })).status !== 200) throw new Error('request failed')

  // Periodic rotation.
  clock.advance(10 * 60_000)
  const rotated = await track(send(plain, { cookie: a.cookie }, () => {}))
  ev('session_renewed', 'info', 'u1', a.handle, {
    ip: IP,
    userAgent: UA_FIREFOX,
    reason: 'periodic',
  })
  if (rotated.cookie === a.cookie) throw new Error('no rotation')

  // Idle expiry: 31 minutes later the cookie is refused.
  clock.advance(31 * 60_000)
  await send(plain, { cookie: rotated.cookie })
  ev('session_expired', 'info', 'u1', a.handle, { ip: IP, userAgent: UA_FIREFOX, reason: 'idle' })
  ev('session_use_after_expire', 'warn', 'u1', a.handle, {
    ip: IP,
    userAgent: UA_FIREFOX,
    reason: 'idle',
  })

  // Logout.
  const b = await login()
  await send(plain, { method: 'POST', path: '/logout', cookie: b.cookie }, (ctx) =>
    ctx.session.destroy({ reason: 'user' }),
  )
  ev('session_logout', 'info', 'u1', b.handle, { ip: IP, userAgent: UA_FIREFOX, reason: 'user' })

  // Revocation by an admin.
  const c = await login()
  await sessions.admin.revoke(c.handle, { actor: { userId: 'admin1' } })
  ev('session_revoked', 'info', 'u1', c.handle, { reason: 'admin:admin1' })

  // A CSRF refusal: a cross-site-looking POST without the token.
  const d = await login()
  const refused = await send(guarded, {
    method: 'POST',
    path: '/api/transfer',
    cookie: d.cookie,
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  })
  if (refused.status !== 403) throw new Error(`CSRF not refused: ${refused.status}`)
  ev('malicious_csrf', 'critical', 'u1', d.handle, {
    ip: IP,
    userAgent: UA_FIREFOX,
    reason: expectedCsrfReason,
  })

  // Cap eviction: d is live; e fills the cap of 2; f evicts the oldest (d).
  clock.advance(1000)
  const e = await login()
  clock.advance(1000)
  let fHandle = ''
  await track(
    send(plain, { method: 'POST', path: '/login', cookie: null }, async (ctx) => {
      await ctx.session.regenerate({
        userId: 'u1',
        authenticated: true,
        meta: { authMethod: 'password' },
      })
      fHandle = ctx.session.handle!
    }),
  ).then((r) => {
    ev('session_created', 'info', 'u1', fHandle, { ip: IP, userAgent: UA_FIREFOX, reason: 'login' })
    ev('excess_sessions_exceeded', 'warn', 'u1', d.handle, {
      ip: IP,
      userAgent: UA_FIREFOX,
      reason: 'evicted',
    })
    return r
  })

  // A User-Agent switch on e's cookie: anomaly, and the session ends.
  clock.advance(1000)
  const switched = await send(plain, { cookie: e.cookie, ua: UA_CHROME })
  if (switched.status !== 401 || switched.cookie !== null) throw new Error('UA switch not ended')
  ev('session_anomaly', 'critical', 'u1', e.handle, {
    ip: IP,
    userAgent: UA_CHROME,
    reason: 'ua_change',
  })
  ev('session_logout', 'info', 'u1', e.handle, { ip: IP, userAgent: UA_CHROME, reason: 'anomaly' })

  anomaly.close()
  await sessions.close()
  return { expected, setCookies }
}

/** The reason the CSRF plugin gives a cross-site POST (Fetch Metadata is its first layer). */
export const expectedCsrfReason = 'fetch_metadata_cross_site'

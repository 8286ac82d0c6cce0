// The DBSC flows in-process, through the pipeline without HTTP: for cases that need the
// library's own options (policies, a throttle) or a clock the test turns.
import { manualClock } from '../../src/core/clock.js'
import type { SessionEvent } from '../../src/core/events.js'
import { createSessions } from '../../src/core/manager.js'
import type { SessionOptions } from '../../src/core/options.js'
import { createDbsc, type DbscOptions, type DbscReply } from '../../src/dbsc/index.js'
import { createPipeline } from '../../src/pipeline/pipeline.js'
import type { Rejection, RequestContext, RequestInput } from '../../src/pipeline/types.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { loginThrottle, memoryCounters } from '../../src/throttle/index.js'
import { parseChallenge, SessionKey } from './client.js'

class Input implements RequestInput {
  readonly query = ''
  readonly secure = true
  readonly ip = '192.0.2.7'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
  ) {}
  header(name: string): string | undefined {
    return this.headers[name]
  }
}

const pairOf = (setCookie: string) => setCookie.split(';')[0]!
const q = (v: string) => `"${v}"`

/** The challenge a reply's `Secure-Session-Challenge` header carries. */
export const challengeOf = (reply: DbscReply | undefined) =>
  /^"([^"]+)"/.exec(reply!.headers.find(([n]) => n === 'secure-session-challenge')![1])![1]!

/** A reply's `Retry-After` header, if any. */
export const retryAfter = (reply: DbscReply | undefined) =>
  reply!.headers.find(([n]) => n === 'retry-after')?.[1]

/** A throttle whose only budget is the address's: `attempts` tries, then a minute's wait. */
export const addressThrottle = (attempts: number) =>
  loginThrottle({
    counters: memoryCounters(),
    deviceCookie: false,
    address: { attempts, backoffMs: 60_000 },
  })

/** A session manager with DBSC on a memory store and a manual clock, and helpers to drive it. */
export function world(
  options: Partial<DbscOptions> = {},
  sessionOptions: Partial<SessionOptions> = {},
) {
  const clock = manualClock()
  const sessions = createSessions({
    store: memoryStore({ clock, quiet: true }),
    clock,
    ...sessionOptions,
  })
  const dbsc = createDbsc({ sessions, secret: 's'.repeat(32), ...options })
  const pipeline = createPipeline(sessions, [dbsc.plugin()])
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))

  /** Runs one request through the pipeline; the handler may answer with a DBSC reply. */
  async function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    handler?: (ctx: RequestContext) => Promise<DbscReply | undefined> | DbscReply | undefined,
  ): Promise<{ rejection: Rejection | null; reply?: DbscReply; ctx: RequestContext }> {
    const begun = await pipeline.begin(new Input(method, path, headers))
    if (!begun.ctx) throw new Error('no context')
    if (begun.rejection) return { rejection: begun.rejection, ctx: begun.ctx }
    const reply = handler ? await handler(begun.ctx) : undefined
    await pipeline.commit(begun.ctx)
    return { rejection: null, ctx: begun.ctx, ...(reply ? { reply } : {}) }
  }

  /** Signs `userId` in and registers a software key; returns what a browser would keep. */
  async function bound(userId = 'u1', alg: 'ES256' | 'RS256' = 'ES256') {
    const login = await send('POST', '/login', {}, async (ctx) => {
      await ctx.session.regenerate({ userId, authenticated: true })
      return undefined
    })
    const sid = pairOf(login.ctx.session.setCookie!)
    const offer = pipeline
      .responseHeaders(login.ctx)
      .find(([n]) => n === 'secure-session-registration')![1]
    const key = new SessionKey(alg)
    const challenge = /challenge="([^"]+)"/.exec(offer)![1]!
    const reg = await send(
      'POST',
      '/dbsc/register',
      { cookie: sid, 'secure-session-response': q(key.proof(challenge, true)) },
      (ctx) => dbsc.register(ctx),
    )
    if (reg.reply?.status !== 200) throw new Error(`registration: ${reg.reply?.status}`)
    const state = {
      sid,
      key,
      id: (JSON.parse(reg.reply.body) as { session_identifier: string }).session_identifier,
      boundCookie: pairOf(reg.reply.headers.find(([n]) => n === 'set-cookie')![1]),
      challenge: parseChallenge(
        reg.reply.headers.find(([n]) => n === 'secure-session-challenge')![1],
      )!.challenge,
      offer,
    }
    return state
  }

  /** One refresh request signing `challenge` (null: none) with `key`. */
  function refresh(
    s: { sid: string; id: string; key: SessionKey },
    challenge: string | null,
    key = s.key,
  ) {
    const headers: Record<string, string> = { cookie: s.sid, 'sec-secure-session-id': q(s.id) }
    if (challenge !== null) headers['secure-session-response'] = q(key.proof(challenge, false))
    return send('POST', '/dbsc/refresh', headers, (ctx) => dbsc.refresh(ctx))
  }

  return { clock, sessions, dbsc, pipeline, events, send, bound, refresh }
}

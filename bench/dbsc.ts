// `npx tsx bench/dbsc.ts [--rounds N] [--requests N] [--refreshes N]`
//
// What Device Bound Session Credentials cost (issue 18), through the public API only:
//  - the bound-cookie check on an ordinary authenticated request of a bound session: the same
//    GET over loopback HTTP through the node adapter, with and without the dbsc plugin, in the
//    same run, in short alternating rounds (the ratio per round pair; median and min–max), and
//    the check alone (`dbsc.state` of such a request, a tight loop);
//  - the refresh endpoint: signed refreshes per second of server time (the handler's
//    `dbsc.refresh`: one ES256 verification and one compare-and-set each; session loading and
//    the client's signing not counted), and end to end over HTTP (client signing included).
// Memory store and a frozen clock, so no touch writes and no expiry interfere.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createSessions, manualClock, memoryStore, type RequestContext } from 'tessera-session'
import { createDbsc, type Dbsc } from 'tessera-session/dbsc'
import { nodeHandler, type SessionRequest } from 'tessera-session/node'

/** Options of {@link measureDbsc}. */
export interface DbscBenchOptions {
  /** Alternating round pairs (short, so load changes on a shared machine hit both alike). Default 41. */
  rounds?: number
  /** Requests per round and variant. Default 200. */
  requests?: number
  /** Signed refreshes timed (in 9 rounds). Default 1 800. */
  refreshes?: number
}

/** A ratio over round pairs: with / without the check. */
export interface Ratio {
  /** Median of the per-pair ratios, and their range. */
  median: number
  min: number
  max: number
  /** Median time of one request without / with the check, µs, and their ratio. */
  withoutUs: number
  withUs: number
  ofMedians: number
  /** The quietest round of each (least disturbed by other load), µs, and their ratio. */
  bestWithoutUs: number
  bestWithUs: number
  ofBest: number
}

/** A median and range over rounds. */
export interface Spread {
  median: number
  min: number
  max: number
}

/** What {@link measureDbsc} returns: plain numbers. */
export interface DbscBenchResult {
  /** An authenticated GET of a bound session with its bound cookie, over loopback HTTP. */
  http: Ratio
  /** The check alone, ns per request. */
  checkNs: Spread
  /** Signed refreshes per second of the refresh handler's time. */
  refreshPerSec: Spread
  /** Signed refreshes per second end to end (one client, sequential, signing included). */
  refreshHttpPerSec: Spread
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
function proof(key: KeyObject, jti: string, jwk?: object): string {
  const input = `${b64({ alg: 'ES256', typ: 'dbsc+jwt', ...(jwk ? { jwk } : {}) })}.${b64({ jti })}`
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `"${input}.${sig.toString('base64url')}"`
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const spread = (xs: number[]): Spread => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
})
const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0]! : (h ?? ''))
const pairOf = (setCookie: string) => setCookie.split(';')[0]!
const challengeOf = (a: Answer) =>
  /^"([^"]+)"/.exec(one(a.headers['secure-session-challenge']))![1]!

/** The app under test: sign-in, the DBSC endpoints, an ordinary page; one server per variant. */
function app(dbsc: Dbsc, timing: { refreshNs: number; ctx: RequestContext | null }) {
  let logins = 0
  return async (req: SessionRequest, res: ServerResponse) => {
    const send = (r: { status: number; headers: Array<[string, string]>; body: string }) => {
      res.statusCode = r.status
      for (const [k, v] of r.headers) res.appendHeader(k, v)
      res.end(r.body)
    }
    if (req.url === '/login') {
      // A user per sign-in: the refresh rounds bind hundreds of sessions, past any per-user cap.
      await req.session.regenerate({ userId: `u${++logins}`, authenticated: true })
      return void res.end('ok')
    }
    if (req.url === '/dbsc/register') return send(await dbsc.register(req.tessera))
    if (req.url === '/dbsc/refresh') {
      const t0 = process.hrtime.bigint()
      const reply = await dbsc.refresh(req.tessera)
      timing.refreshNs += Number(process.hrtime.bigint() - t0)
      return send(reply)
    }
    if (!req.session.userId) throw new Error('not signed in')
    if (req.url === '/capture') timing.ctx = req.tessera
    res.end('ok')
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as AddressInfo).port
}

/**
 * Measures the bound-cookie check and the refresh endpoint; returns plain numbers.
 *
 * @example
 * const r = await measureDbsc({ rounds: 11 })
 * console.log(r.http.median) // e.g. 1.01: the check adds 1 % to an authenticated request
 */
export async function measureDbsc(options: DbscBenchOptions = {}): Promise<DbscBenchResult> {
  const rounds = options.rounds ?? 41
  const n = options.requests ?? 200
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const dbsc = createDbsc({ sessions, secret: 'bench-secret-bench-secret-bench-secret' })
  const timing = { refreshNs: 0, ctx: null as RequestContext | null }
  const handler = app(dbsc, timing)
  const servers = [
    createServer(nodeHandler(sessions, handler)),
    createServer(nodeHandler(sessions, handler, { plugins: [dbsc.plugin()] })),
  ]
  const [plainPort, boundPort] = await Promise.all(servers.map(listen))
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const call = (port: number, method: string, path: string, headers: Record<string, string>) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpRequest({ port, method, path, agent, headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      })
      req.on('error', reject).end()
    })

  // Sign in and register a software key through the guarded server, as a browser would.
  const bind = async () => {
    const login = await call(boundPort!, 'POST', '/login', {})
    const sid = pairOf(one(login.headers['set-cookie']))
    const offer = one(login.headers['secure-session-registration'])
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' })
    const jti = /challenge="([^"]+)"/.exec(offer)![1]!
    const reg = await call(boundPort!, 'POST', '/dbsc/register', {
      cookie: sid,
      'secure-session-response': proof(privateKey, jti, { kty, crv, x, y }),
    })
    if (reg.status !== 200) throw new Error(`registration answered ${reg.status}`)
    const id = (JSON.parse(reg.body) as { session_identifier: string }).session_identifier
    const cookie = `${sid}; ${pairOf(one(reg.headers['set-cookie']))}`
    return { sid, id, cookie, privateKey, challenge: challengeOf(reg) }
  }
  const { cookie } = await bind()

  // The ordinary request, both variants must be a signed-in, bound session with its cookie.
  await call(boundPort!, 'GET', '/capture', { cookie })
  const ctx = timing.ctx!
  if (dbsc.state(ctx) !== 'bound') throw new Error('the bound cookie was not accepted')
  const timeGets = async (port: number) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) {
      const a = await call(port, 'GET', '/account', { cookie })
      if (a.status !== 200) throw new Error(`GET answered ${a.status}`)
    }
    return Number(process.hrtime.bigint() - t0) / n
  }
  await timeGets(plainPort!)
  await timeGets(boundPort!)
  const without: number[] = []
  const withCheck: number[] = []
  const ratios: number[] = []
  for (let round = 0; round < rounds; round++) {
    const a = round % 2 ? await timeGets(boundPort!) : await timeGets(plainPort!)
    const b = round % 2 ? await timeGets(plainPort!) : await timeGets(boundPort!)
    const [w, o] = round % 2 ? [a, b] : [b, a]
    withCheck.push(w)
    without.push(o)
    ratios.push(w / o)
  }
  const checkRounds: number[] = []
  for (let round = 0; round < rounds; round++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < 10_000; i++) {
      ctx.locals.dbsc = undefined // forget the request's cached answer: check afresh
      if (dbsc.state(ctx) !== 'bound') throw new Error('not bound')
    }
    checkRounds.push(Number(process.hrtime.bigint() - t0) / 10_000)
  }

  const per = Math.max(10, Math.floor((options.refreshes ?? 1_800) / 9))
  // A bound session may refresh at most REFRESH_LIMIT (10) times per bound-cookie lifetime
  // (a browser needs one), so the refreshes are spread over enough bound sessions, bound
  // before the timing starts: 9 each.
  const PER_SESSION = 9
  const bound: Awaited<ReturnType<typeof bind>>[] = []
  for (let i = 0; i < Math.ceil((per * 10) / PER_SESSION); i++) bound.push(await bind())
  let done = 0
  const server: number[] = []
  const endToEnd: number[] = []
  for (let round = -1; round < 9; round++) {
    timing.refreshNs = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < per; i++, done++) {
      const b = bound[Math.floor(done / PER_SESSION)]!
      const r = await call(boundPort!, 'POST', '/dbsc/refresh', {
        cookie: b.sid,
        'sec-secure-session-id': `"${b.id}"`,
        'secure-session-response': proof(b.privateKey, b.challenge),
      })
      if (r.status !== 200) throw new Error(`refresh answered ${r.status}`)
      b.challenge = challengeOf(r)
    }
    if (round < 0) continue // warm-up
    endToEnd.push((per * 1e9) / Number(process.hrtime.bigint() - t0))
    server.push((per * 1e9) / timing.refreshNs)
  }
  agent.destroy()
  for (const s of servers) s.closeAllConnections()
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  await sessions.close()
  return {
    http: {
      ...spread(ratios),
      withoutUs: median(without) / 1000,
      withUs: median(withCheck) / 1000,
      ofMedians: median(withCheck) / median(without),
      bestWithoutUs: Math.min(...without) / 1000,
      bestWithUs: Math.min(...withCheck) / 1000,
      ofBest: Math.min(...withCheck) / Math.min(...without),
    },
    checkNs: spread(checkRounds),
    refreshPerSec: spread(server),
    refreshHttpPerSec: spread(endToEnd),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      requests: { type: 'string' },
      refreshes: { type: 'string' },
    },
  })
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  const r = await measureDbsc({
    rounds: num(values.rounds),
    requests: num(values.requests),
    refreshes: num(values.refreshes),
  })
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)} %`
  const h = r.http
  const f = (s: Spread, d = 0) =>
    `${s.median.toFixed(d)} (rounds ${s.min.toFixed(d)} … ${s.max.toFixed(d)})`
  console.log(
    `authenticated GET over loopback HTTP, without → with the dbsc plugin: medians ${h.withoutUs.toFixed(1)} → ${h.withUs.toFixed(1)} µs (${pct(h.ofMedians)}); quietest rounds ${h.bestWithoutUs.toFixed(1)} → ${h.bestWithUs.toFixed(1)} µs (${pct(h.ofBest)}); per-pair ratio median ${pct(h.median)} (pairs ${pct(h.min)} … ${pct(h.max)})`,
  )
  console.log(`the check alone: ${f(r.checkNs)} ns per request`)
  console.log(`refresh endpoint, server time: ${f(r.refreshPerSec)} signed refreshes/s`)
  console.log(`refresh end to end (one client, signing included): ${f(r.refreshHttpPerSec)} /s`)
}

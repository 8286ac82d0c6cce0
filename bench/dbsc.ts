// `npx tsx bench/dbsc.ts [--rounds N] [--requests N] [--refreshes N] [--no-http]`
//
// What Device Bound Session Credentials cost (issue 18):
//  - the bound-cookie check on an ordinary authenticated request of a bound session (one HMAC,
//    no signature, no store read), as the ratio of the same request with and without the dbsc
//    plugin, in the same run, alternating rounds (median and min–max over rounds). Measured
//    in-process through the pipeline (the request without HTTP: the strictest ratio) and over
//    loopback HTTP through the node adapter (what an app sees);
//  - the refresh endpoint's throughput: signed refreshes per second of server time (one
//    ES256 verification and one compare-and-set each; the client's signing is not counted).
// Memory store and a frozen clock, so no touch writes and no expiry interfere.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { createServer, request as httpRequest, Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import {
  createSessions,
  manualClock,
  type RequestContext,
  type RequestInput,
} from 'tessera-session'
import { createDbsc } from 'tessera-session/dbsc'
import { nodeHandler } from 'tessera-session/node'
import { memoryStore } from 'tessera-session/stores/memory'
// The in-process comparison drives the plugin pipeline itself, which no subpath exports.
// biome-ignore lint/style/noRestrictedImports: measures the internal pipeline without HTTP
import { createPipeline, type Pipeline } from '../src/pipeline/pipeline.js'

/** Options of {@link measureDbsc}. */
export interface DbscBenchOptions {
  /** Alternating rounds per comparison (short, so load changes on a shared machine hit both variants alike). Default 101. */
  rounds?: number
  /** Requests per round and variant. Default 2 000 in-process, a twentieth of that (at least 50) over HTTP. */
  requests?: number
  /** Signed refreshes timed (in 9 rounds). Default 2 000. */
  refreshes?: number
  /** Also compare over loopback HTTP. Default true. */
  http?: boolean
}

/** A ratio over rounds: with/without, median and range. */
export interface Ratio {
  median: number
  min: number
  max: number
  /** Median cost of one request without / with the check, in microseconds. */
  withoutUs: number
  withUs: number
}

/** What {@link measureDbsc} returns: plain numbers. */
export interface DbscBenchResult {
  /** In-process pipeline request, bound session, valid bound cookie. */
  pipeline: Ratio
  /** The same over loopback HTTP (null with `http: false`). */
  http: Ratio | null
  /** The check alone (`dbsc.state` of a bound request with its bound cookie), ns per request: median and range over rounds. */
  checkNs: { median: number; min: number; max: number }
  /** Signed refreshes per second of server time (median over rounds, and range). */
  refreshPerSec: { median: number; min: number; max: number }
}

class Input implements RequestInput {
  readonly query = ''
  readonly secure = true
  readonly ip = '127.0.0.1'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
  ) {}
  header(name: string): string | undefined {
    return this.headers[name]
  }
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
function proof(key: KeyObject, jti: string, jwk?: object): string {
  const input = `${b64({ alg: 'ES256', typ: 'dbsc+jwt', ...(jwk ? { jwk } : {}) })}.${b64({ jti })}`
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `"${input}.${sig.toString('base64url')}"`
}
const cookiePair = (setCookie: string) => setCookie.split(';')[0]!
const challengeOf = (h: string) => /^"([^"]+)"/.exec(h)![1]!
const headerOf = (list: Array<[string, string]>, name: string) => list.find(([n]) => n === name)![1]

async function begun(p: Pipeline, input: Input): Promise<RequestContext> {
  const b = await p.begin(input)
  if (!b.ctx || b.rejection) throw new Error(`refused: ${b.rejection?.code}`)
  return b.ctx
}

/** Signs in, registers a software ES256 key; returns the cookies and a refresh signer. */
async function boundSession() {
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const dbsc = createDbsc({ sessions, secret: 'bench-secret-bench-secret-bench-secret' })
  const plain = createPipeline(sessions)
  const guarded = createPipeline(sessions, [dbsc.plugin()])
  const login = await begun(guarded, new Input('POST', '/login', {}))
  await login.session.regenerate({ userId: 'u1', authenticated: true })
  await guarded.commit(login)
  const sid = cookiePair(login.session.setCookie!)
  const offer = headerOf(guarded.responseHeaders(login), 'secure-session-registration')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' })
  const jwt = proof(privateKey, /challenge="([^"]+)"/.exec(offer)![1]!, { kty, crv, x, y })
  const regCtx = await begun(
    guarded,
    new Input('POST', '/dbsc/register', { cookie: sid, 'secure-session-response': jwt }),
  )
  const reg = await dbsc.register(regCtx)
  if (reg.status !== 200) throw new Error(`registration answered ${reg.status}`)
  const id = (JSON.parse(reg.body) as { session_identifier: string }).session_identifier
  const cookie = `${sid}; ${cookiePair(headerOf(reg.headers, 'set-cookie'))}`
  let challenge = challengeOf(headerOf(reg.headers, 'secure-session-challenge'))
  /** One signed refresh; returns the server's time in ns (the client's signing excluded). */
  const refresh = async (): Promise<number> => {
    const headers = {
      cookie: sid,
      'sec-secure-session-id': `"${id}"`,
      'secure-session-response': proof(privateKey, challenge),
    }
    const t0 = process.hrtime.bigint()
    const ctx = await begun(guarded, new Input('POST', '/dbsc/refresh', headers))
    const r = await dbsc.refresh(ctx)
    const ns = Number(process.hrtime.bigint() - t0)
    if (r.status !== 200) throw new Error(`refresh answered ${r.status}`)
    challenge = challengeOf(headerOf(r.headers, 'secure-session-challenge'))
    return ns
  }
  return { sessions, dbsc, plain, guarded, cookie, refresh }
}

// One ordinary read-only request through the pipeline; synchronous on the memory store.
function once(p: Pipeline, input: Input): void {
  const b = p.begin(input)
  if (b instanceof Promise || !b.ctx || b.rejection)
    throw new Error('expected a synchronous, accepted request')
  if (b.ctx.session.userId !== 'u1') throw new Error('not signed in')
  p.responseHeaders(b.ctx)
  if (!p.commitSync(b.ctx)) throw new Error('unexpected write')
}

function timeSync(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  return Number(process.hrtime.bigint() - t0) / n
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function ratio(without: number[], withCheck: number[]): Ratio {
  const r = withCheck.map((w, i) => w / without[i]!)
  return {
    median: median(r),
    min: Math.min(...r),
    max: Math.max(...r),
    withoutUs: median(without) / 1000,
    withUs: median(withCheck) / 1000,
  }
}

async function httpTimes(s: Awaited<ReturnType<typeof boundSession>>, rounds: number, n: number) {
  const servers = await Promise.all(
    [s.plain, s.guarded].map(async (p) => {
      const server = createServer(nodeHandler(p, (_req, res) => void res.end('ok')))
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      return server
    }),
  )
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const get = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { port, path: '/account', agent, headers: { cookie: s.cookie } },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`))
          res.resume().on('end', resolve)
        },
      )
      req.on('error', reject).end()
    })
  const ports = servers.map((x) => (x.address() as AddressInfo).port)
  const out: [number[], number[]] = [[], []]
  for (let round = 0; round <= rounds; round++) {
    for (const v of round % 2 ? [1, 0] : [0, 1]) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < n; i++) await get(ports[v]!)
      if (round > 0) out[v]!.push(Number(process.hrtime.bigint() - t0) / n) // round 0 warms up
    }
  }
  agent.destroy()
  await Promise.all(servers.map((x) => new Promise((r) => x.close(r))))
  return ratio(out[0], out[1])
}

/**
 * Measures the bound-cookie check and the refresh endpoint; returns plain numbers.
 *
 * @example
 * const r = await measureDbsc({ rounds: 5 })
 * console.log(r.pipeline.median) // e.g. 1.03: the check adds 3 % to an in-process request
 */
export async function measureDbsc(options: DbscBenchOptions = {}): Promise<DbscBenchResult> {
  const rounds = options.rounds ?? 101
  const n = options.requests ?? 2_000
  const s = await boundSession()
  const input = new Input('GET', '/account', { cookie: s.cookie })
  // Both variants must see a bound session with a valid bound cookie (else the check is not paid).
  const check = await begun(s.guarded, input)
  if (check.locals.dbsc !== 'bound')
    throw new Error(`bound cookie not accepted: ${String(check.locals.dbsc)}`)
  const without: number[] = []
  const withCheck: number[] = []
  const checkOnly: number[] = []
  timeSync(n, () => once(s.plain, input))
  timeSync(n, () => once(s.guarded, input))
  const state = () => {
    check.locals.dbsc = undefined
    if (s.dbsc.state(check) !== 'bound') throw new Error('not bound')
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [s.guarded, s.plain] : [s.plain, s.guarded]
    for (const p of order)
      (p === s.plain ? without : withCheck).push(timeSync(n, () => once(p, input)))
    checkOnly.push(timeSync(n, state))
  }
  const http =
    options.http === false
      ? null
      : await httpTimes(s, Math.ceil(rounds / 2), Math.max(50, Math.floor(n / 20)))
  // Refresh throughput: fewer, longer rounds (each refresh is ~0.3 ms of server time).
  const refreshRounds = 9
  const per = Math.max(10, Math.floor((options.refreshes ?? 2_000) / refreshRounds))
  const rates: number[] = []
  for (let i = 0; i < 50; i++) await s.refresh()
  for (let round = 0; round < refreshRounds; round++) {
    let ns = 0
    for (let i = 0; i < per; i++) ns += await s.refresh()
    rates.push((per * 1e9) / ns)
  }
  await s.sessions.close()
  return {
    pipeline: ratio(without, withCheck),
    http,
    checkNs: {
      median: median(checkOnly),
      min: Math.min(...checkOnly),
      max: Math.max(...checkOnly),
    },
    refreshPerSec: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      requests: { type: 'string' },
      refreshes: { type: 'string' },
      'no-http': { type: 'boolean', default: false },
    },
  })
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  const r = await measureDbsc({
    rounds: num(values.rounds),
    requests: num(values.requests),
    refreshes: num(values.refreshes),
    http: !values['no-http'],
  })
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)} %`
  const row = (name: string, q: Ratio) =>
    `${name}: ${q.withoutUs.toFixed(2)} µs → ${q.withUs.toFixed(2)} µs per request, check adds ${pct(q.median)} (rounds ${pct(q.min)} … ${pct(q.max)})`
  console.log(row('in-process pipeline', r.pipeline))
  if (r.http) console.log(row('loopback HTTP      ', r.http))
  const c = r.checkNs
  console.log(
    `the check alone: ${c.median.toFixed(0)} ns per request (rounds ${c.min.toFixed(0)} … ${c.max.toFixed(0)})`,
  )
  const f = r.refreshPerSec
  console.log(
    `refresh endpoint: ${f.median.toFixed(0)} signed refreshes/s of server time (rounds ${f.min.toFixed(0)} … ${f.max.toFixed(0)})`,
  )
}

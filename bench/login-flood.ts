// `npx tsx bench/login-flood.ts [--store memory:|sqlite:…|redis://…] [--logins N] [--attackers N]`
//
// A genuine login's latency while a flood of wrong-password logins runs, against the same
// without the flood (issue 13: p99 under attack under 3× the quiet p99). The reference app
// runs in its own process (`app/main.ts`, default settings: throttle on, scrypt N=2^15 on its
// worker threads behind the gate) behind a trusted proxy, so every client picks its address.
//
// Attacks:
//  - spray: every attacker try uses a new user name and a new address, so no budget ever
//    fills: only the hash gate stands between the flood and the CPU (the worst case);
//  - one account: every try is a wrong password for `alice` from one address: the budget
//    refuses them before hashing.
// Genuine users: `known` has signed in before (device cookie and known address); `new` is a
// first sign-in from a new address. First-time EdDSA access-token checks are timed too.
// The attackers run in their own process at nice 19 (an attacker's CPU is not the server's).
// Numbers go to stdout; nothing is timed inside a test.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'memory:' },
    logins: { type: 'string', default: '30' },
    attackers: { type: 'string', default: '200' },
  },
})
const LOGINS = Number(values.logins)
const ATTACKERS = Number(values.attackers)

const main = fileURLToPath(new URL('../app/main.ts', import.meta.url))

function startApp(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        STORE_URL: values.store,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        TRUST_PROXY: '127.0.0.1',
        DEVICE_COOKIE_SECRET: randomBytes(32).toString('base64url'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
      if (m) resolve({ child, url: m[1]! })
    })
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)))
  })
}

const { child, url } = await startApp()
process.on('exit', () => child.kill('SIGKILL'))
let addressSeq = 0
const freshAddress = () => {
  const n = addressSeq++
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
}

/**
 * Retries a request whose keep-alive socket the server closed as it was reused (undici's
 * "other side closed"): a client-side race of idle sockets, not an answer of the app.
 */
async function retrying(send: () => Promise<Response>): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await send()
    } catch (error) {
      if (i >= 3) throw error
    }
  }
}

/** A browser: cookie jar by name, CSRF token, a fixed address. */
class Browser {
  readonly jar = new Map<string, string>()
  csrf = ''
  constructor(readonly ip: string) {}
  async send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...extra }
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    if (this.csrf) headers['x-csrf-token'] = this.csrf
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await retrying(() =>
      fetch(url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    )
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!
      const eq = pair.indexOf('=')
      if (/Max-Age=0/.test(c)) this.jar.delete(pair.slice(0, eq))
      else this.jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>
    if (typeof json.csrfToken === 'string') this.csrf = json.csrfToken
    return { status: res.status, json }
  }
  /** One sign-in; resolves with the POST's latency (ms) and status. */
  async login(): Promise<{ ms: number; status: number }> {
    await this.send('GET', '/api/csrf')
    const t0 = performance.now()
    const r = await this.send('POST', '/api/login', { username: 'alice', password: 'tessera-demo' })
    const ms = performance.now() - t0
    if (r.status === 200) await this.send('POST', '/api/logout', {})
    return { ms, status: r.status }
  }
}

interface Sample {
  ms: number[]
  statuses: Map<number, number>
}

function record(s: Sample, ms: number, status: number) {
  s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1)
  if (status === 200) s.ms.push(ms)
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

async function genuine(kind: 'known' | 'new', known: Browser): Promise<Sample> {
  const s: Sample = { ms: [], statuses: new Map() }
  for (let i = 0; i < LOGINS; i++) {
    const b = kind === 'known' ? known : new Browser(freshAddress())
    const r = await b.login()
    record(s, r.ms, r.status)
  }
  return s
}

/**
 * First-time checks of fresh EdDSA access tokens: each comes from a refresh (no password
 * hash) of a token pair obtained before any flood, so only the check itself is timed.
 */
const tokenIp = freshAddress()
const tokenHeaders = { 'content-type': 'application/json', 'x-forwarded-for': tokenIp }
let pair = (await (
  await retrying(() =>
    fetch(`${url}/api/token`, {
      method: 'POST',
      headers: tokenHeaders,
      body: JSON.stringify({ username: 'bob', password: 'tessera-demo' }),
    }),
  )
).json()) as { access_token: string; refresh_token: string }

async function tokenChecks(): Promise<Sample> {
  const s: Sample = { ms: [], statuses: new Map() }
  const ip = tokenIp
  const headers = tokenHeaders
  for (let i = 0; i < LOGINS; i++) {
    const r = await retrying(() =>
      fetch(`${url}/api/token/refresh`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ refresh_token: pair.refresh_token }),
      }),
    )
    pair = (await r.json()) as typeof pair
    const t0 = performance.now()
    const me = await retrying(() =>
      fetch(`${url}/api/me`, {
        headers: { authorization: `Bearer ${pair.access_token}`, 'x-forwarded-for': ip },
      }),
    )
    await me.arrayBuffer()
    record(s, performance.now() - t0, me.status)
  }
  return s
}

type Attack = 'spray' | 'one-account'

// The attackers run in a process of their own at the lowest CPU priority (`nice -n 19`): on
// a real network the attacker's CPU is not the server's, and a load generator competing with
// the app for the same two cores would measure itself. They print their counts on SIGTERM.
const ATTACKER = `
const [url, attack, n, first] = process.argv.slice(1)
const seen = {}
let seq = Number(first), stop = false
const addr = () => { const k = seq++; return '10.' + ((k >> 16) & 255) + '.' + ((k >> 8) & 255) + '.' + (k & 255) }
const fixed = addr()
process.on('SIGTERM', () => { stop = true; process.stdout.write(JSON.stringify(seen)); process.exit(0) })
const loop = async () => {
  while (!stop) {
    const spray = attack === 'spray'
    const res = await fetch(url + '/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': spray ? addr() : fixed },
      body: JSON.stringify({ username: spray ? 'user-' + Math.random().toString(36).slice(2) : 'alice', password: 'wrong' }),
    }).catch(() => null)
    if (res) { await res.arrayBuffer(); seen[res.status] = (seen[res.status] ?? 0) + 1 }
  }
}
for (let i = 0; i < Number(n); i++) loop()
`

function flood(attack: Attack): { stop: () => Promise<Record<string, number>> } {
  const child = spawn(
    'nice',
    ['-n', '19', process.execPath, '-e', ATTACKER, url, attack, String(ATTACKERS), String(1 << 20)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout!.on('data', (c: Buffer) => {
    out += c
  })
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(JSON.parse(out || '{}') as Record<string, number>))
        child.kill('SIGTERM')
      }),
  }
}

function row(label: string, s: Sample, quiet?: Sample): string {
  const sorted = [...s.ms].sort((a, b) => a - b)
  const p50 = pct(sorted, 50)
  const p99 = pct(sorted, 99)
  const ratio = quiet
    ? p99 /
      pct(
        [...quiet.ms].sort((a, b) => a - b),
        99,
      )
    : Number.NaN
  const ok = s.statuses.get(200) ?? 0
  const other = [...s.statuses].filter(([k]) => k !== 200).map(([k, n]) => `${n}×${k}`)
  return [
    label.padEnd(44),
    `${ok}/${LOGINS} ok`.padEnd(10),
    `p50 ${p50.toFixed(0).padStart(5)} ms`,
    `p99 ${p99.toFixed(0).padStart(5)} ms`,
    Number.isNaN(ratio) ? '' : `(${ratio.toFixed(2)}× quiet p99)`,
    other.length ? `refused: ${other.join(', ')}` : '',
  ].join('  ')
}

const known = new Browser('192.0.2.10')
await known.login() // device cookie and known address from now on
const lines: string[] = []
const quietKnown = await genuine('known', known)
const quietNew = await genuine('new', known)
const quietTokens = await tokenChecks()
const say = (line: string) => {
  lines.push(line)
  console.error(line)
}
say(row('quiet: known device', quietKnown))
say(row('quiet: first sign-in from a new address', quietNew))
say(row('quiet: first check of a fresh access token', quietTokens))

for (const attack of ['spray', 'one-account'] as const) {
  const attackers = flood(attack)
  await new Promise((r) => setTimeout(r, 2000)) // let the flood start and fill the queues
  const t0 = performance.now()
  const underKnown = await genuine('known', known)
  const underNew = await genuine('new', known)
  const underTokens = await tokenChecks()
  const seconds = (performance.now() - t0) / 1000
  const seen = await attackers.stop()
  const answered = Object.entries(seen)
    .map(([k, n]) => `${n}×${k}`)
    .join(', ')
  say(
    `— ${ATTACKERS} parallel wrong-password logins, ${attack}: ${answered} in ${seconds.toFixed(1)} s`,
  )
  say(row(`  ${attack}: known device`, underKnown, quietKnown))
  say(row(`  ${attack}: first sign-in from a new address`, underNew, quietNew))
  say(row(`  ${attack}: first check of a fresh access token`, underTokens, quietTokens))
}
child.kill('SIGTERM')

console.log(
  `login flood — ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} ×${availableParallelism()}, ` +
    `node ${process.version}, store ${values.store}, ${LOGINS} genuine logins per row`,
)
for (const l of lines) console.log(l)
console.log("target: a known device's p99 under attack below 3× its quiet p99")
process.exit(0)

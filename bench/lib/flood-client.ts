// The clients of bench/login-flood.ts: a browser with a cookie jar that signs in to the
// reference app, and a flood of wrong-password logins in a process of its own.
import { spawn } from 'node:child_process'

/**
 * Retries a request whose keep-alive socket the server closed as it was reused (undici's
 * "other side closed"): a client-side race of idle sockets, not an answer of the app.
 */
export async function retrying(send: () => Promise<Response>): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await send()
    } catch (error) {
      if (i >= 3) throw error
    }
  }
}

/** A browser: cookie jar by name, CSRF token, a fixed address (sent as X-Forwarded-For). */
export class Browser {
  readonly jar = new Map<string, string>()
  csrf = ''
  constructor(
    readonly url: string,
    readonly ip: string,
  ) {}
  async send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...extra }
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    if (this.csrf) headers['x-csrf-token'] = this.csrf
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await retrying(() =>
      fetch(this.url + path, {
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
  async login(username = 'alice'): Promise<{ ms: number; status: number }> {
    await this.send('GET', '/api/csrf')
    const t0 = performance.now()
    const r = await this.send('POST', '/api/login', { username, password: 'tessera-demo' })
    const ms = performance.now() - t0
    if (r.status === 200) await this.send('POST', '/api/logout', {})
    return { ms, status: r.status }
  }
}

/** Latencies of the successful tries (ms) and the count of every status. */
export interface Sample {
  ms: number[]
  statuses: Map<number, number>
}

/** Adds one try to a sample. */
export function record(s: Sample, ms: number, status: number): void {
  s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1)
  if (status === 200) s.ms.push(ms)
}

/** Nearest-rank percentile of an ascending list; NaN when empty. */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** p99 of a sample's latencies. */
export const p99 = (s: Sample) =>
  pct(
    [...s.ms].sort((a, b) => a - b),
    99,
  )

/**
 * A 95 % bootstrap interval of p99(under) ÷ p99(quiet): both samples resampled with replacement
 * (a seeded generator, so a run's report is reproducible from its samples).
 *
 * @example
 * bootstrapP99Ratio(underAttack, quiet) // { median: 3.1, lo: 2.4, hi: 4.0 }
 */
export function bootstrapP99Ratio(
  under: readonly number[],
  quiet: readonly number[],
  draws = 1000,
): { median: number; lo: number; hi: number } {
  let seed = 0x9e3779b9
  const rand = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const resample = (xs: readonly number[]) =>
    Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]!).sort(
      (a, b) => a - b,
    )
  const ratios = Array.from(
    { length: draws },
    () => pct(resample(under), 99) / pct(resample(quiet), 99),
  ).sort((a, b) => a - b)
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)
  return {
    median: pct(sorted(under), 99) / pct(sorted(quiet), 99),
    lo: pct(ratios, 2.5),
    hi: pct(ratios, 97.5),
  }
}

/** The names of the login-flood benchmark's genuine users (`bench/flood-app.ts` seeds them). */
export function genuineUsers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `genuine-${i + 1}`)
}

/**
 * `spray`: a new user name and address per try; `targeted`: the genuine users' own accounts,
 * in turn, from one address (every genuine sign-in is then to an account under attack).
 */
export type Attack = 'spray' | 'targeted'

// The attackers run in a process of their own at the lowest CPU priority (`nice -n 19`): on
// a real network the attacker's CPU is not the server's, and a load generator competing with
// the app for the same two cores would measure itself. They print their counts on SIGTERM.
const ATTACKER = `
const [url, attack, n, first, targets] = process.argv.slice(1)
const victims = targets.split(',')
const seen = {}
let seq = Number(first), turn = 0, stop = false
const addr = () => { const k = seq++; return '10.' + ((k >> 16) & 255) + '.' + ((k >> 8) & 255) + '.' + (k & 255) }
const fixed = addr()
process.on('SIGTERM', () => { stop = true; process.stdout.write(JSON.stringify(seen)); process.exit(0) })
const loop = async () => {
  while (!stop) {
    const spray = attack === 'spray'
    const res = await fetch(url + '/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': spray ? addr() : fixed },
      body: JSON.stringify({ username: spray ? 'user-' + Math.random().toString(36).slice(2) : victims[turn++ % victims.length], password: 'wrong' }),
    }).catch(() => null)
    if (res) { await res.arrayBuffer(); seen[res.status] = (seen[res.status] ?? 0) + 1 }
  }
}
for (let i = 0; i < Number(n); i++) loop()
`

/**
 * Starts `attackers` parallel wrong-password logins (`targets`: the accounts a targeted attack
 * aims at); `stop` resolves with their statuses.
 */
export function flood(
  url: string,
  attack: Attack,
  attackers: number,
  targets: readonly string[],
): { stop: () => Promise<Record<string, number>> } {
  const child = spawn(
    'nice',
    [
      '-n',
      '19',
      process.execPath,
      '-e',
      ATTACKER,
      url,
      attack,
      String(attackers),
      String(1 << 20),
      targets.join(','),
    ],
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

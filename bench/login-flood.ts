// `npx tsx bench/login-flood.ts [--store memory:|sqlite:…|redis://…] [--logins N] [--attackers N]`
// (`npm run bench` runs it too, through the exported measureLoginFlood)
//
// A genuine login's latency while a flood of wrong-password logins runs, against the same
// without the flood (issue 13: p99 under attack under 3× the quiet p99). The reference app
// runs in its own process (`bench/flood-app.ts`: `app/main.ts`'s default settings, throttle
// on, scrypt N=2^15 on its worker threads behind the gate, plus one demo account per genuine
// user) behind a trusted proxy, so every client picks its address.
//
// Attacks:
//  - spray: every attacker try uses a new user name and a new address, so no budget ever
//    fills: only the hash gate stands between the flood and the CPU (the worst case);
//  - targeted: every try is a wrong password for one of the genuine users' own accounts, in
//    turn, from one address: the budgets refuse them before hashing.
// Genuine users: `known` are `--logins` people who have each signed in before (device cookie
// and known address) and sign in once a phase, as real users do (the trusted lane admits an
// account 10 times an hour); `new` is a first sign-in to `alice` from a new address.
// First-time EdDSA access-token checks are timed too.
// The attackers run in their own process at nice 19 (an attacker's CPU is not the server's).
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ExtraOptions, ExtraResult } from './lib/extras.js'
import {
  type Attack,
  Browser,
  bootstrapP99Ratio,
  flood,
  genuineUsers,
  p99,
  pct,
  record,
  retrying,
  type Sample,
} from './lib/flood-client.js'

const main = fileURLToPath(new URL('./flood-app.ts', import.meta.url))

/** Settings of one flood run. */
export interface FloodSettings {
  store: string
  logins: number
  attackers: number
}

function startApp(store: string, users: number): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        STORE_URL: store,
        FLOOD_USERS: String(users),
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

/** The samples of one run: quiet, then under each attack. */
export interface FloodRun {
  settings: FloodSettings
  quiet: { known: Sample; new: Sample; tokens: Sample }
  attacks: Array<{
    attack: Attack
    seconds: number
    answered: Record<string, number>
    known: Sample
    new: Sample
    tokens: Sample
  }>
}

/**
 * Runs the flood against a fresh reference app: genuine logins (known device, new address)
 * and first token checks, quiet and under each attack.
 *
 * @example
 * const run = await runFlood({ store: 'memory:', logins: 30, attackers: 200 })
 */
export async function runFlood(settings: FloodSettings): Promise<FloodRun> {
  const { child, url } = await startApp(settings.store, settings.logins)
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  try {
    let addressSeq = 0
    const freshAddress = () => {
      const n = addressSeq++
      return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
    }
    const people = genuineUsers(settings.logins)
    const genuine = async (kind: 'known' | 'new'): Promise<Sample> => {
      const s: Sample = { ms: [], statuses: new Map() }
      for (let i = 0; i < settings.logins; i++) {
        const r =
          kind === 'known'
            ? await known[i]!.login(people[i])
            : await new Browser(url, freshAddress()).login('alice')
        record(s, r.ms, r.status)
      }
      return s
    }
    // First-time checks of fresh EdDSA access tokens: each comes from a refresh (no password
    // hash) of a token pair obtained before any flood, so only the check itself is timed.
    const ip = freshAddress()
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': ip }
    const post = (path: string, body: unknown) =>
      retrying(() => fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) }))
    type Pair = { access_token: string; refresh_token: string }
    let pair = (await (
      await post('/api/token', { username: 'bob', password: 'tessera-demo' })
    ).json()) as Pair
    const tokenChecks = async (): Promise<Sample> => {
      const s: Sample = { ms: [], statuses: new Map() }
      for (let i = 0; i < settings.logins; i++) {
        pair = (await (
          await post('/api/token/refresh', { refresh_token: pair.refresh_token })
        ).json()) as Pair
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
    // Each genuine user signs in once before: a device cookie and a known address from now on.
    const known = people.map((_, i) => new Browser(url, `192.0.2.${i + 1}`))
    for (const [i, b] of known.entries()) {
      const first = await b.login(people[i])
      if (first.status !== 200) throw new Error(`${people[i]} could not sign in: ${first.status}`)
    }
    const quiet = {
      known: await genuine('known'),
      new: await genuine('new'),
      tokens: await tokenChecks(),
    }
    const attacks: FloodRun['attacks'] = []
    for (const attack of ['spray', 'targeted'] as const) {
      const attackers = flood(url, attack, settings.attackers, people)
      await new Promise((r) => setTimeout(r, 2000)) // let the flood start and fill the queues
      const t0 = performance.now()
      const under = {
        known: await genuine('known'),
        new: await genuine('new'),
        tokens: await tokenChecks(),
      }
      const seconds = (performance.now() - t0) / 1000
      attacks.push({ attack, seconds, answered: await attackers.stop(), ...under })
    }
    return { settings, quiet, attacks }
  } finally {
    process.removeListener('exit', kill)
    child.kill('SIGTERM')
  }
}

/**
 * The flood as rows of `npm run bench`: per attack, a known device's login p99 under the
 * flood ÷ its quiet p99 (target ≤ 3×) with a bootstrap interval over the logins.
 *
 * @example
 * const rows = await measureLoginFlood({ quick: false, redisUrl: null, postgresUrl: null, log })
 */
export async function measureLoginFlood(o: ExtraOptions): Promise<ExtraResult[]> {
  const run = await runFlood({ store: 'memory:', logins: o.quick ? 10 : 30, attackers: 200 })
  return run.attacks.map((a) => {
    const refused = run.settings.logins - a.known.ms.length
    // A p99 over the logins that got through says nothing when genuine logins were refused:
    // such a row is shown but not judged.
    const judged = refused === 0
    return {
      id: `login-flood-${a.attack}`,
      label: `known devices' login p99 (${run.settings.logins} users, one sign-in each) under ${run.settings.attackers} parallel wrong-password logins (${a.attack}) ÷ quiet, reference app, memory store${judged ? '' : ' (not judged: genuine logins were refused)'}`,
      values: [
        { name: 'quiet p99', value: p99(run.quiet.known), unit: 'ms' },
        { name: 'under attack p99', value: p99(a.known), unit: 'ms' },
        { name: 'new address under attack p99', value: p99(a.new), unit: 'ms' },
        { name: 'first token check under attack p99', value: p99(a.tokens), unit: 'ms' },
        { name: 'genuine logins per row', value: run.settings.logins, unit: '' },
        { name: 'genuine logins refused', value: refused, unit: '' },
        {
          name: 'attacker tries answered',
          value: Object.values(a.answered).reduce((x, y) => x + y, 0),
          unit: '',
        },
      ],
      ratio: {
        ...bootstrapP99Ratio(a.known.ms, run.quiet.known.ms),
        name: 'p99 under attack ÷ quiet p99',
        how: `95 % bootstrap interval over the ${run.settings.logins} logins of each`,
      },
      target: judged ? ({ op: '≤', value: 3 } as const) : undefined,
    }
  })
}

function row(label: string, s: Sample, logins: number, quiet?: Sample): string {
  const sorted = [...s.ms].sort((a, b) => a - b)
  const ratio = quiet ? p99(s) / p99(quiet) : Number.NaN
  const ok = s.statuses.get(200) ?? 0
  const other = [...s.statuses].filter(([k]) => k !== 200).map(([k, n]) => `${n}×${k}`)
  return [
    label.padEnd(44),
    `${ok}/${logins} ok`.padEnd(10),
    `p50 ${pct(sorted, 50).toFixed(0).padStart(5)} ms`,
    `p99 ${pct(sorted, 99).toFixed(0).padStart(5)} ms`,
    Number.isNaN(ratio) ? '' : `(${ratio.toFixed(2)}× quiet p99)`,
    other.length ? `refused: ${other.join(', ')}` : '',
  ].join('  ')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'memory:' },
      logins: { type: 'string', default: '30' },
      attackers: { type: 'string', default: '200' },
    },
  })
  const settings = {
    store: values.store,
    logins: Number(values.logins),
    attackers: Number(values.attackers),
  }
  const run = await runFlood(settings)
  const n = settings.logins
  console.log(
    `login flood — ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} ×${availableParallelism()}, ` +
      `node ${process.version}, store ${settings.store}, ${n} genuine logins per row`,
  )
  console.log(row('quiet: known device', run.quiet.known, n))
  console.log(row('quiet: first sign-in from a new address', run.quiet.new, n))
  console.log(row('quiet: first check of a fresh access token', run.quiet.tokens, n))
  for (const a of run.attacks) {
    const answered = Object.entries(a.answered).map(([k, c]) => `${c}×${k}`)
    console.log(
      `— ${settings.attackers} parallel wrong-password logins, ${a.attack}: ${answered.join(', ')} in ${a.seconds.toFixed(1)} s`,
    )
    console.log(row(`  ${a.attack}: known device`, a.known, n, run.quiet.known))
    console.log(row(`  ${a.attack}: first sign-in from a new address`, a.new, n, run.quiet.new))
    console.log(
      row(`  ${a.attack}: first check of a fresh access token`, a.tokens, n, run.quiet.tokens),
    )
  }
  console.log("target: a known device's p99 under attack below 3× its quiet p99")
  process.exit(0)
}

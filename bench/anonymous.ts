// Anonymous visitors against signed-in users (issue 13.3): requests per second of a
// cookie-less `GET /login` (the login page and its pre-login CSRF token, nothing stored) against
// an authenticated `GET /api/me`, on the reference app over SQLite and over Redis.
// Target: anonymous ≥ 0.5× authenticated on the same store.
//
//   npx tsx bench/anonymous.ts   (or npm run bench:anonymous; `npm run bench` runs it too,
//   through the exported measureAnonymous)
//   tune with BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_REDIS_URL
//
// The app runs in its own process; the load comes from bench/loadgen/builtin.mjs (another
// process), in alternating rounds so that drift on a shared machine hits both cases alike.
// Server CPU per request is read from /proc around each measured window.

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ExtraOptions, ExtraResult } from './lib/extras.js'
import { call, cookieHeader } from './lib/http.js'
import { interval } from './lib/interval.js'
import { processCpuUs } from './lib/procfs.js'
import { type LoadResult, runLoad } from './lib/spawn.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LOADGEN = join(ROOT, 'bench/loadgen/builtin.mjs')
// Run directly: 4 s windows by default; inside `npm run bench`, 2.5 s (1.5 s with --quick).
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
let seconds = SECONDS
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
// A database of its own, so the benchmark's sessions and audit stream stay apart.
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9'

interface App {
  port: number
  child: ChildProcess
}

async function startApp(storeUrl: string): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'app/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, STORE_URL: storeUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
  })
  const lines = createInterface({ input: child.stdout! })
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(line)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`the app exited (${code})\n${stderr}`)))
  })
  return { port, child }
}

async function stopApp(app: App): Promise<void> {
  const exited = once(app.child, 'exit')
  app.child.kill('SIGTERM')
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Signs alice in through the JSON API (pre-login token, then login); returns the cookie. */
async function signIn(port: number): Promise<string> {
  const pre = await call(port, { method: 'GET', path: '/api/csrf' })
  const token = (JSON.parse(pre.body) as { csrfToken: string }).csrfToken
  const login = await call(port, {
    method: 'POST',
    path: '/api/login',
    headers: {
      cookie: cookieHeader(pre.headers['set-cookie']),
      'x-csrf-token': token,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      username: 'alice',
      password: process.env.DEMO_PASSWORD ?? 'tessera-demo',
    }),
  })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.body}`)
  // Every cookie the login set (the session's, and any other such as a device cookie).
  const cookies = (login.headers['set-cookie'] ?? []).filter((c) => !c.includes('Max-Age=0'))
  if (cookies.length === 0) throw new Error('login set no cookie')
  return cookieHeader(cookies)
}

interface Measured extends LoadResult {
  cpuUsPerReq: number
}

async function load(app: App, path: string, headers: Record<string, string>): Promise<Measured> {
  const port = app.port
  let cpu0 = 0
  let cpu1 = 0
  const pid = app.child.pid ?? 0
  const r = await runLoad(
    LOADGEN,
    {
      url: `http://127.0.0.1:${port}${path}`,
      method: 'GET',
      headers,
      connections: CONNECTIONS,
      warmupMs: 1000,
      durationMs: seconds * 1000,
    },
    {
      onStart() {
        cpu0 = processCpuUs(pid) ?? 0
      },
      onEnd() {
        cpu1 = processCpuUs(pid) ?? 0
      },
    },
  )
  return { ...r, cpuUsPerReq: (cpu1 - cpu0) / Math.max(1, r.ok2xx + r.non2xx) }
}

/** One store's row: anonymous ÷ authenticated req/s per round, and both sides' numbers. */
async function measure(name: string, storeUrl: string): Promise<ExtraResult> {
  const id = `anonymous-${name.toLowerCase()}`
  const label = `anonymous GET /login ÷ authenticated GET /api/me, reference app, ${name}`
  let app: App
  try {
    app = await startApp(storeUrl)
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
    return { id, label, notMeasured: `the app did not start (${why})`, values: [] }
  }
  try {
    const cookie = await signIn(app.port)
    // Sanity: both requests answer as the benchmark assumes.
    const anon = await call(app.port, {
      method: 'GET',
      path: '/login',
      headers: { accept: 'text/html' },
    })
    const me = await call(app.port, { method: 'GET', path: '/api/me', headers: { cookie } })
    if (anon.status !== 200 || me.status !== 200)
      throw new Error(`unexpected answers: /login ${anon.status}, /api/me ${me.status}`)
    const anonymous: Measured[] = []
    const signedIn: Measured[] = []
    for (let round = 0; round < ROUNDS; round++) {
      signedIn.push(await load(app, '/api/me', { cookie }))
      anonymous.push(await load(app, '/login', { accept: 'text/html' }))
    }
    const ratio = interval(anonymous.map((a, i) => a.rps / signedIn[i]!.rps))
    const med = (xs: Measured[], f: (m: Measured) => number) => interval(xs.map(f)).median
    const failures = [...anonymous, ...signedIn].reduce(
      (n, r) => n + r.non2xx + r.errors + r.timeouts,
      0,
    )
    return {
      id,
      label,
      values: [
        { name: 'anonymous', value: med(anonymous, (r) => r.rps), unit: 'req/s' },
        {
          name: 'anonymous server CPU',
          value: med(anonymous, (r) => r.cpuUsPerReq),
          unit: 'µs/req',
        },
        { name: 'authenticated', value: med(signedIn, (r) => r.rps), unit: 'req/s' },
        {
          name: 'authenticated server CPU',
          value: med(signedIn, (r) => r.cpuUsPerReq),
          unit: 'µs/req',
        },
        { name: 'anonymous p99', value: med(anonymous, (r) => r.p99), unit: 'ms' },
        { name: 'failures', value: failures, unit: '' },
        {
          name: 'cookies set by GET /login',
          value: anon.headers['set-cookie']?.length ?? 0,
          unit: '',
        },
      ],
      ratio: {
        ...ratio,
        name: 'anonymous ÷ authenticated req/s',
        how: `min–max over ${ROUNDS} alternating rounds`,
      },
      target: { op: '≥', value: 0.5 },
    }
  } finally {
    await stopApp(app)
  }
}

/**
 * Anonymous `GET /login` against an authenticated read on the reference app, over SQLite and,
 * when run directly, Redis: one row per store (`npm run bench` takes the SQLite row).
 *
 * @example
 * const rows = await measureAnonymous({ quick: false, redisUrl, postgresUrl: null, log })
 */
export async function measureAnonymous(o: ExtraOptions): Promise<ExtraResult[]> {
  const inBench = !process.argv[1]?.endsWith('anonymous.ts')
  seconds = inBench ? (o.quick ? 1.5 : 2.5) : SECONDS
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-anon-'))
  try {
    const rows = [await measure('SQLite', `sqlite:${join(dir, 'bench.db')}`)]
    // Inside `npm run bench` (15-minute budget) SQLite only, the store the target names;
    // run directly, Redis too.
    if (o.redisUrl && !inBench) rows.push(await measure('Redis', o.redisUrl))
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function print(row: ExtraResult): void {
  if (row.notMeasured) {
    console.log(`${row.label}: SKIPPED (${row.notMeasured})`)
    return
  }
  const v = row.values.map((x) => `${x.name} ${x.value.toFixed(x.value < 10 ? 2 : 0)} ${x.unit}`)
  const r = row.ratio!
  console.log(
    `${row.label}: ${v.join(', ')}; ratio ${r.median.toFixed(2)}× (${r.lo.toFixed(2)}–${r.hi.toFixed(2)}), target ≥ 0.50×`,
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(
    `anonymous vs authenticated, reference app, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS}s`,
  )
  const log = (line: string) => console.log(line)
  const rows = await measureAnonymous({ quick: false, redisUrl: REDIS_URL, postgresUrl: null, log })
  for (const row of rows) print(row)
}

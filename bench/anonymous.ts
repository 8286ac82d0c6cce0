// Anonymous visitors against signed-in users (issue 13.3): requests per second of a
// cookie-less `GET /login` (the login page and its pre-login CSRF token, nothing stored) against
// an authenticated `GET /api/me`, on the reference app over SQLite and over Redis.
// Target: anonymous ≥ 0.5× authenticated on the same store.
//
//   npx tsx bench/anonymous.ts   (or npm run bench:anonymous)
//   tune with BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_REDIS_URL
//
// The app runs in its own process; the load comes from bench/loadgen/builtin.mjs (another
// process), in alternating rounds so that drift on a shared machine hits both cases alike.

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { call, cookieHeader } from './lib/http.js'
import { type LoadResult, runLoad } from './lib/spawn.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LOADGEN = join(ROOT, 'bench/loadgen/builtin.mjs')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
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

async function load(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<LoadResult> {
  return runLoad(
    LOADGEN,
    {
      url: `http://127.0.0.1:${port}${path}`,
      method: 'GET',
      headers,
      connections: CONNECTIONS,
      warmupMs: 1000,
      durationMs: SECONDS * 1000,
    },
    { onStart() {}, onEnd() {} },
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function measure(name: string, storeUrl: string): Promise<void> {
  let app: App
  try {
    app = await startApp(storeUrl)
  } catch (error) {
    console.log(
      `${name}: SKIPPED (${error instanceof Error ? error.message.split('\n')[0] : error})`,
    )
    return
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
    const anonCookies = anon.headers['set-cookie'] ?? []
    const anonymous: LoadResult[] = []
    const signedIn: LoadResult[] = []
    for (let round = 0; round < ROUNDS; round++) {
      signedIn.push(await load(app.port, '/api/me', { cookie }))
      anonymous.push(await load(app.port, '/login', { accept: 'text/html' }))
    }
    const a = median(anonymous.map((r) => r.rps))
    const s = median(signedIn.map((r) => r.rps))
    const failures = [...anonymous, ...signedIn].reduce(
      (n, r) => n + r.non2xx + r.errors + r.timeouts,
      0,
    )
    console.log(
      [
        `${name}:`,
        `anonymous GET /login ${a.toFixed(0)} req/s (p99 ${median(anonymous.map((r) => r.p99)).toFixed(2)} ms),`,
        `authenticated GET /api/me ${s.toFixed(0)} req/s (p99 ${median(signedIn.map((r) => r.p99)).toFixed(2)} ms),`,
        `ratio ${(a / s).toFixed(2)}× (target ≥ 0.50×) ${a / s >= 0.5 ? 'MET' : 'NOT MET'};`,
        `non-2xx/errors ${failures}; cookies set by /login: ${anonCookies.map((c) => c.split('=', 1)[0]).join(', ') || 'none'}`,
      ].join(' '),
    )
  } finally {
    await stopApp(app)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-anon-'))
try {
  console.log(
    `anonymous vs authenticated, reference app, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS}s (median)`,
  )
  await measure('SQLite', `sqlite:${join(dir, 'bench.db')}`)
  await measure('Redis', REDIS_URL)
} finally {
  rmSync(dir, { recursive: true, force: true })
}

// Server CPU per authenticated request and credential bytes on the wire: cookie sessions vs
// bearer access tokens (stateful and stateless+denylist), through the whole reference app, on
// each store. Not a test: `npx tsx test/jwt/bench-session-vs-token.ts [requests] [stores]`.
import { type ChildProcess, fork } from 'node:child_process'
import { Agent, request } from 'node:http'

const N = Number(process.argv[2] ?? 2000)
const stores = (process.argv[3] ?? 'memory,sqlite,redis,postgres').split(',')
const ROUNDS = Number(process.argv[4] ?? 3)
const CONCURRENCY = 4

function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, T>) => {
      if (key in m) {
        child.off('message', on)
        resolve(m[key]!)
      }
    }
    child.on('message', on)
    if (msg) child.send(msg)
  })
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  return new Promise<{
    status: number
    headers: Record<string, string | string[] | undefined>
    body: string
  }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (text += c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        )
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

async function cookieCredential(port: number): Promise<Record<string, string>> {
  const pre = await call(port, 'GET', '/api/csrf', {})
  const jar = String((pre.headers['set-cookie'] as string[])[0]).split(';')[0]!
  const csrf = JSON.parse(pre.body).csrfToken as string
  const login = await call(
    port,
    'POST',
    '/api/login',
    { cookie: jar, 'x-csrf-token': csrf, origin: 'http://bench.local' },
    { username: 'alice', password: 'tessera-demo' },
  )
  if (login.status !== 200) throw new Error(`login ${login.status} ${login.body}`)
  return { cookie: String((login.headers['set-cookie'] as string[])[0]).split(';')[0]! }
}
async function bearerCredential(port: number): Promise<Record<string, string>> {
  const r = await call(
    port,
    'POST',
    '/api/token',
    {},
    { username: 'alice', password: 'tessera-demo' },
  )
  return { authorization: `Bearer ${JSON.parse(r.body).access_token}` }
}

async function load(port: number, headers: Record<string, string>): Promise<void> {
  let left = N
  const worker = async () => {
    while (left-- > 0) {
      const r = await call(port, 'GET', '/api/me', headers)
      if (r.status !== 200) throw new Error(`status ${r.status}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

// Rounds outermost, so a burst of load from elsewhere on the machine hits every case alike;
// the median of the rounds is reported.
const samples = new Map<string, { us: number[]; bytes: number }>()
for (let round = 0; round < ROUNDS; round++)
  for (const store of stores) {
    for (const mode of ['cookie session', 'bearer, stateful', 'bearer, stateless+denylist']) {
      const child = fork(new URL('./bench-server.ts', import.meta.url).pathname, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          BENCH_STORE: store,
          TOKEN_REVOCATION: mode.includes('stateless') ? 'stateless+denylist' : 'stateful',
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      })
      let before: NodeJS.CpuUsage
      let after: NodeJS.CpuUsage
      let headers: Record<string, string>
      try {
        const port = await ask<number>(child, '', 'port')
        headers =
          mode === 'cookie session' ? await cookieCredential(port) : await bearerCredential(port)
        await load(port, headers) // warm-up round, same size
        before = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu')
        await load(port, headers)
        after = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu')
      } catch (error) {
        child.kill()
        throw error
      }
      const us = (after.user - before.user + after.system - before.system) / N
      const [name, value] = Object.entries(headers)[0]!
      const bytes = `${name}: ${value}\r\n`.length
      const key = `| ${store} | ${mode} |`
      const entry = samples.get(key) ?? { us: [], bytes }
      entry.us.push(us)
      samples.set(key, entry)
      console.error(`${key} ${us.toFixed(0)} (round ${round + 1})`)
      child.send('stop')
      await new Promise((r) => child.once('exit', r))
    }
  }
agent.destroy()
console.log(
  '| store | credential | server CPU µs / GET /api/me (median) | rounds | credential header bytes |',
)
console.log('|---|---|---:|---|---:|')
for (const [key, { us, bytes }] of samples) {
  const sorted = [...us].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)]!
  console.log(
    `${key} ${median.toFixed(0)} | ${sorted.map((v) => v.toFixed(0)).join(', ')} | ${bytes} |`,
  )
}

import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisAnswers, serviceGate } from '../services/availability.js'

// Three real app processes (`npm start`'s entry point) on one Redis: the login budget must
// hold across them, since the counters live in Redis and not in any one process.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const up = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
const main = fileURLToPath(new URL('../../app/main.ts', import.meta.url))

interface AppProcess {
  child: ChildProcess
  url: string
}

/** Starts `app/main.ts` on a free port; resolves once it prints where it listens. */
function startProcess(env: Record<string, string>): Promise<AppProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stderr!.on('data', (c: Buffer) => {
      err += c
    })
    child.stdout!.on('data', (c: Buffer) => {
      out += c
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
      if (m) resolve({ child, url: m[1]! })
    })
    child.once('exit', (code) => reject(new Error(`app exited with ${code}: ${err}`)))
  })
}

describe.runIf(up)('login throttling across three app processes on one Redis', () => {
  const apps: AppProcess[] = []
  beforeAll(async () => {
    const env = {
      STORE_URL: REDIS_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      TRUST_PROXY: '127.0.0.1',
      DEVICE_COOKIE_SECRET: randomBytes(32).toString('base64url'),
    }
    apps.push(...(await Promise.all([startProcess(env), startProcess(env), startProcess(env)])))
    // Warm each process up, so the 30 tries below arrive well inside the 1 s backoff.
    for (const a of apps) await fetch(`${a.url}/healthz`)
  }, 60_000)
  afterAll(() => {
    for (const a of apps) a.child.kill('SIGTERM')
  })

  it('shares one account budget: 30 parallel wrong passwords over three processes get exactly five 401s', async () => {
    // A fresh account name and address per run: the counters outlive the test in Redis.
    // (Unknown names are counted like real ones, so the throttle reveals no user names.)
    const username = `ghost-${randomBytes(6).toString('hex')}`
    const ip = `198.18.${randomInt(256)}.${randomInt(1, 255)}`
    const tries = Array.from({ length: 30 }, (_, i) =>
      fetch(`${apps[i % 3]!.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ username, password: 'wrong' }),
      }).then((r) => ({ status: r.status, retryAfter: r.headers.get('retry-after') })),
    )
    const results = await Promise.all(tries)
    const perStatus = results.reduce<Record<number, number>>((n, r) => {
      n[r.status] = (n[r.status] ?? 0) + 1
      return n
    }, {})
    expect(perStatus).toEqual({ 401: 5, 429: 25 })
    expect(results.filter((r) => r.status === 429).every((r) => Number(r.retryAfter) >= 1)).toBe(
      true,
    )
    // Each process refused at least half of its ten: none of them kept a budget of its own.
    for (let p = 0; p < 3; p++) {
      const own = results.filter((_, i) => i % 3 === p)
      expect(own.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(5)
    }
  })
})

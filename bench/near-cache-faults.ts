// The near cache when its channel is lost: a Redis restart (a private redis-server of this run,
// killed with SIGKILL and started again on its port, its data kept in an AOF) and a PostgreSQL
// listener killed with pg_terminate_backend. Two stores (two "processes") on one backend: B
// reads in a loop while A revokes; what B serves is checked against what A ended.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { SessionStore } from 'tessera-session'
import { nearCacheChannel, postgresStore } from 'tessera-session/stores/postgres'
import { type NearCacheEvent, nearCacheStats, redisStore } from 'tessera-session/stores/redis'
import type { ExtraResult } from './lib/extras.js'
import { benchRecord, cleanUp, runPrefix } from './near-cache-lib.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What B saw around one channel loss. */
export interface FaultResult {
  /** From the loss (kill) to B's channel being subscribed again, ms. */
  recoveryMs: number
  /** B's read errors (a store outage fails closed: these are 503s, not stale grants). */
  readErrors: number
  /** The last read error, ms after the kill (errors stop once the store answers again). */
  lastErrorMs: number
  /** Reads B answered from memory between its `down` and its next `up` (must be 0). */
  hitsWhileDown: number
  /** `down` notices B raised (one per loss: no storm). */
  downNotices: number
  /** Longest time a session revoked through A was still granted by B, ms (bound: max age). */
  maxStaleMs: number
  revocations: number
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })

/**
 * Runs B's read loop and A's revocations around `fault` (which breaks the channel and, for
 * Redis, brings the server back); B must never grant a revoked session for longer than its
 * max age, and must not serve from memory while its channel is down.
 */
async function around(
  open: (onEvent: (e: NearCacheEvent) => void) => SessionStore,
  fault: () => Promise<void>,
): Promise<FaultResult> {
  const events: Array<NearCacheEvent & { at: number; hits: number }> = []
  let b: SessionStore | null = null
  const onB = (e: NearCacheEvent) =>
    events.push({ ...e, at: performance.now(), hits: b ? nearCacheStats(b)!.hits : 0 })
  const a = open(() => {})
  b = open(onB)
  const upCount = () => events.filter((e) => e.type === 'up').length
  for (let waited = 0; upCount() === 0; waited += 10) {
    if (waited > 10_000) throw new Error('the near cache channel never came up')
    await sleep(10)
  }
  const records = Array.from({ length: 400 }, (_, i) => benchRecord(`f${i}`))
  for (const r of records) await a.create(r)
  let running = true
  let readErrors = 0
  let lastErrorAt = Number.NaN
  const failed = () => {
    readErrors++
    lastErrorAt = performance.now()
  }
  const loop = async () => {
    while (running) {
      await b!.get(records[Math.floor(Math.random() * records.length)]!.id).catch(failed)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const loops = [loop(), loop(), loop(), loop()]
  await sleep(300)
  const killedAt = performance.now()
  const faulted = fault()
  // Revocations through A while B's channel is lost and after: each polled on B until refused.
  let maxStaleMs = 0
  let revocations = 0
  for (const r of records.slice(0, 200)) {
    const ended = await a.destroyByHandle(r.handle).catch(() => null)
    if (ended === null) {
      await sleep(20) // the store is down: A cannot revoke; try the next
      continue
    }
    revocations++
    const t0 = performance.now()
    for (;;) {
      const seen = await b.get(r.id).catch(() => null)
      if (seen === null) break
      maxStaleMs = Math.max(maxStaleMs, performance.now() - t0)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await faulted
  while (upCount() < 2) await sleep(10)
  running = false
  await Promise.all(loops)
  const down = events.find((e) => e.type === 'down')
  const backUp = events.filter((e) => e.type === 'up')[1]
  await Promise.all([a.close(), b.close()])
  return {
    recoveryMs: (backUp?.at ?? Number.NaN) - killedAt,
    readErrors,
    lastErrorMs: lastErrorAt - killedAt,
    hitsWhileDown: down && backUp ? backUp.hits - down.hits : Number.NaN,
    downNotices: events.filter((e) => e.type === 'down').length,
    maxStaleMs,
    revocations,
  }
}

/** Redis killed (SIGKILL) and restarted on its port after `outageMs`. */
export async function measureRedisRestart(outageMs = 1000): Promise<FaultResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ncbench-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
  ]
  const start = async (): Promise<ChildProcess> => {
    const p = spawn('redis-server', args, { stdio: 'ignore' })
    let failure: Error | null = null
    p.once('error', (e) => {
      failure = e
    })
    await sleep(300)
    if (failure !== null || p.exitCode !== null)
      throw new Error(`redis-server did not start: ${failure ?? `exit ${p.exitCode}`}`)
    return p
  }
  let server = await start()
  try {
    const url = `redis://127.0.0.1:${port}`
    return await around(
      (onEvent) =>
        redisStore({ url, keyPrefix: 'nc:', commandTimeoutMs: 500, nearCache: { onEvent } }),
      async () => {
        server.kill('SIGKILL')
        await sleep(outageMs)
        server = await start()
      },
    )
  } finally {
    server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The PostgreSQL listener of B (and A) terminated with pg_terminate_backend. */
export async function measurePgListenerKill(url: string): Promise<FaultResult> {
  const prefix = runPrefix('postgres')
  const admin = new pg.Client(url)
  await admin.connect()
  try {
    return await around(
      (onEvent) =>
        postgresStore({
          connectionString: url,
          tablePrefix: prefix,
          sweepIntervalMs: 0,
          nearCache: { onEvent },
        }),
      async () => {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [nearCacheChannel({ tablePrefix: prefix })],
        )
      },
    )
  } finally {
    await admin.end()
    await cleanUp('postgres', url, prefix)
  }
}

/** Both faults as report rows. */
export async function measureFaults(urls: { postgres: string }): Promise<ExtraResult[]> {
  const row = async (id: string, label: string, run: () => Promise<FaultResult>) => {
    try {
      const f = await run()
      const values = [
        { name: 'channel back after', value: Math.round(f.recoveryMs), unit: 'ms' },
        { name: 'longest stale grant', value: Math.round(f.maxStaleMs * 10) / 10, unit: 'ms' },
        { name: 'hits while down', value: f.hitsWhileDown, unit: '' },
        { name: 'down notices', value: f.downNotices, unit: '' },
        { name: 'read errors (store away, fail closed)', value: f.readErrors, unit: '' },
        { name: 'last read error after the kill', value: Math.round(f.lastErrorMs), unit: 'ms' },
        { name: 'revocations', value: f.revocations, unit: '' },
      ]
      return { id, label, values } satisfies ExtraResult
    } catch (error) {
      // A machine without redis-server (or PostgreSQL) says so in the report.
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
      return { id, label, values: [], notMeasured: `failed: ${why}` } satisfies ExtraResult
    }
  }
  return [
    await row('near-cache-redis-restart', 'near cache across a Redis restart (1 s outage)', () =>
      measureRedisRestart(),
    ),
    await row(
      'near-cache-pg-listener-kill',
      'near cache across pg_terminate_backend of the listener',
      () => measurePgListenerKill(urls.postgres),
    ),
  ]
}

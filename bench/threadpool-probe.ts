// `npx tsx bench/threadpool-probe.ts`
//
// Why the reference app hashes passwords on worker threads of its own: how long one callback
// `crypto.verify` (Ed25519, the token mode's first check of a new access token) waits while
// password hashes (scrypt N=2^15, 32 MiB) keep coming, when the hashes run
//  - on libuv's pool (Node's `crypto.scrypt`), 40 in flight, default 4 threads;
//  - the same with UV_THREADPOOL_SIZE=16;
//  - the same, bounded to 1 in flight (the gate alone);
//  - on one dedicated worker thread (`scryptSync` in a worker), as the app does now.
// Each mode runs in a child process (the pool size is fixed at start-up). Prints p50/p99.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MODES = ['libuv-40', 'libuv-40-pool16', 'libuv-1', 'worker-1'] as const
const self = fileURLToPath(import.meta.url)

if (process.env.PROBE_MODE) {
  const { generateKeyPairSync, randomBytes, scrypt, sign, verify } = await import('node:crypto')
  const { Worker } = await import('node:worker_threads')
  const mode = process.env.PROBE_MODE
  const params = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
  let stop = false
  if (mode.startsWith('libuv')) {
    const inFlight = mode.startsWith('libuv-40') ? 40 : 1
    const loop = () => {
      if (!stop) scrypt('password', randomBytes(16), 32, params, loop)
    }
    for (let i = 0; i < inFlight; i++) loop()
  } else {
    const w = new Worker(
      `const { scryptSync, randomBytes } = require('node:crypto')
       const p = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
       for (;;) scryptSync('password', randomBytes(16), 32, p)`,
      { eval: true },
    )
    w.unref()
  }
  await new Promise((r) => setTimeout(r, 500))
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const data = Buffer.from('header.payload')
  const sig = sign(null, data, privateKey)
  const waits: number[] = []
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now()
    await new Promise<void>((resolve) => verify(null, data, publicKey, sig, () => resolve()))
    waits.push(performance.now() - t0)
  }
  stop = true
  waits.sort((a, b) => a - b)
  const p = (q: number) => waits[Math.min(waits.length - 1, Math.ceil(q * waits.length) - 1)]!
  console.log(JSON.stringify({ p50: p(0.5), p99: p(0.99) }))
  process.exit(0)
} else {
  console.log('Ed25519 callback verify latency while password hashes keep coming')
  for (const mode of MODES) {
    const env: NodeJS.ProcessEnv = { ...process.env, PROBE_MODE: mode }
    if (mode === 'libuv-40-pool16') env.UV_THREADPOOL_SIZE = '16'
    const out = execFileSync(process.execPath, ['--import', 'tsx', self], { env }).toString()
    const { p50, p99 } = JSON.parse(out.trim().split('\n').pop()!) as { p50: number; p99: number }
    console.log(
      `${mode.padEnd(18)} p50 ${p50.toFixed(2).padStart(8)} ms  p99 ${p99.toFixed(2).padStart(8)} ms`,
    )
  }
}

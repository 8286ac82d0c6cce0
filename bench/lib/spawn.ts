import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

/** A server process started for one measured run. */
export interface Running {
  pid: number
  port: number
  /** Side port answering the server's store-call counters (JSON), or 0. */
  opsPort: number
  /** What the server said about its set-up (`SETUP {json}` line), or {}. */
  setup: Record<string, string | number | boolean>
  child: ChildProcess
  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>
}

/** How to start a server. */
export interface ServerCommand {
  /** Script path (absolute). `.ts` files run under `node --import tsx`. */
  file: string
  env?: Record<string, string> | undefined
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[] | undefined
}

/** Arguments for `node` to run a script: TypeScript through tsx's loader, JavaScript as is. */
export function nodeArgs(file: string, flags: readonly string[] = []): string[] {
  return [...flags, ...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), file]
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/**
 * Starts a benchmark server and waits for its `READY <port> <side port>` line. Resolves `{ skip }` when
 * the server reports `SKIP <reason>` (a package or service it needs is missing).
 *
 * @example
 * const s = await startServer({ file: '/…/bench/servers/bare.mjs' })
 * if ('skip' in s) console.log(s.skip); else await s.stop()
 */
export function startServer(
  cmd: ServerCommand,
  timeoutMs = 30_000,
): Promise<Running | { skip: string }> {
  const child = spawn(process.execPath, nodeArgs(cmd.file, cmd.nodeFlags), {
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', ...cmd.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${cmd.file} did not start in ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    const lines = createInterface({ input: child.stdout! })
    let setup: Running['setup'] = {}
    lines.on('line', (line) => {
      if (line.startsWith('SETUP ')) setup = JSON.parse(line.slice(6)) as Running['setup']
      else if (line.startsWith('READY ')) {
        clearTimeout(timer)
        const [port, opsPort] = line.slice(6).split(' ').map(Number)
        resolve({
          pid: child.pid!,
          port: port ?? 0,
          opsPort: opsPort ?? 0,
          setup,
          child,
          stop: (graceMs = 5000) => stopChild(child, graceMs),
        })
      } else if (line.startsWith('SKIP ')) {
        clearTimeout(timer)
        void stopChild(child, 1000)
        resolve({ skip: line.slice(5) })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${cmd.file} exited (${code}) before READY\n${stderr}`))
    })
  })
}

/** What a load generator reports for its measured window. */
export interface LoadResult {
  ok2xx: number
  non2xx: number
  errors: number
  timeouts: number
  seconds: number
  rps: number
  p50: number
  p99: number
  loadgenCpuUs: number
}

/** Load to apply. */
export interface LoadSpec {
  url: string
  method: string
  headers: Record<string, string>
  body?: string | undefined
  connections: number
  warmupMs: number
  durationMs: number
  /**
   * Pick the credential per request from a population file (`token<TAB>ua-index[<TAB>csrf]` lines):
   * uniformly, or by a Zipf law of exponent `zipfS` over the list's order. The load generator
   * sends `cookie: <cookieName>=<token>` and the matching User-Agent.
   */
  population?: PopulationSpec | undefined
}

/** See {@link LoadSpec.population}. */
export interface PopulationSpec {
  file: string
  cookieName: string
  spread: 'uniform' | 'zipf'
  zipfS: number
  userAgents: readonly string[]
  /** Send each session's CSRF token (the file's third column) as `X-CSRF-Token`. */
  csrf?: boolean | undefined
}

/**
 * Runs a load generator (`bench/loadgen/<kind>.mjs`) in its own process. `onStart`/`onEnd` run
 * when it announces the measured window, so the caller can sample /proc exactly around it.
 *
 * @example
 * const r = await runLoad(file, spec, { onStart: sample, onEnd: sample })
 */
export async function runLoad(
  file: string,
  spec: LoadSpec,
  hooks: { onStart(): void | Promise<void>; onEnd(): void | Promise<void> },
): Promise<LoadResult> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, LOADGEN_CONFIG: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
  })
  let result: LoadResult | null = null
  const pending: Array<void | Promise<void>> = []
  const lines = createInterface({ input: child.stdout! })
  lines.on('line', (line) => {
    if (line === 'MEASURE_START') pending.push(hooks.onStart())
    else if (line === 'MEASURE_END') pending.push(hooks.onEnd())
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as LoadResult
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  await Promise.all(pending)
  if (code !== 0 || !result) throw new Error(`load generator failed (${code})\n${stderr}`)
  return result
}

// Helpers of the tarball test (tarball.test.ts): running commands in the consumer project, the
// script that imports every subpath there, and waiting for the README example's server.
import { execFile } from 'node:child_process'

/** What importing one subpath in the consumer project gave. */
export interface Outcome {
  ok: boolean
  exports?: number
  code?: string
  message?: string
}

/** Runs a command and resolves its stdout; rejects with stdout and stderr when it fails. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed:\n${stdout}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

/** A script that imports (ESM) or requires (CJS) `name + subpath` for each subpath, as JSON. */
export function loader(kind: 'esm' | 'cjs', name: string, subpaths: readonly string[]): string {
  return `
const subpaths = ${JSON.stringify(subpaths)}
const out = {}
for (const s of subpaths) {
  try {
    const m = ${kind === 'esm' ? `await import('${name}' + s)` : `require('${name}' + s)`}
    out[s] = { ok: true, exports: Object.keys(m).length }
  } catch (e) {
    out[s] = { ok: false, code: e.code, message: e.message }
  }
}
console.log(JSON.stringify(out))
`
}

/** A loopback port nobody listens on right now (outside the ephemeral range: see ports.ts). */
export { freePort } from '../services/ports.js'

/** Retries `fn` until the example server is listening (it starts in its own process). */
export async function waitFor<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn()
    } catch (error) {
      if (i > 200) throw error
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

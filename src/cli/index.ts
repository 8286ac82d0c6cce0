#!/usr/bin/env node
/**
 * The `tessera-session` command. `tessera-session keygen` prints a new signing key or secret;
 * `tessera-session audit` audits the session lifecycle of a web app (docs/audit.md).
 *
 * @example
 * // npx tessera-session keygen --alg ES256 > jwt-key.json
 */
import { audit } from '../audit/cli.js'
import { KEYGEN_USAGE, keygen, parseKeygenArgs } from './keygen.js'

const USAGE = `usage: tessera-session <command>

commands:
  keygen   generate a token signing key or a secret (tessera-session keygen --help)
  audit    audit the session security of a web app you own (tessera-session audit --help)`

/**
 * Runs the CLI; returns the process exit code (a promise for `audit`). Output goes to the
 * given writers.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2))
 */
export function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): number | Promise<number> {
  const [command, ...rest] = argv
  if (command === 'audit') return audit(rest, out, err)
  if (command === 'keygen') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(KEYGEN_USAGE)
      return 0
    }
    try {
      out(keygen(parseKeygenArgs(rest)))
      return 0
    } catch (error) {
      err(`tessera-session keygen: ${error instanceof Error ? error.message : String(error)}`)
      err(KEYGEN_USAGE)
      return 2
    }
  }
  if (command === undefined || command === '--help' || command === '-h') {
    out(USAGE)
    return command === undefined ? 2 : 0
  }
  err(`tessera-session: unknown command ${JSON.stringify(command)}`)
  err(USAGE)
  return 2
}

void Promise.resolve(main(process.argv.slice(2))).then((code) => {
  process.exitCode = code
})

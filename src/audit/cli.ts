// `tessera-session audit`: argument parsing and output. Progress goes to stderr, the report to
// stdout (text, or JSON with --json), SARIF to a file. Exit codes: 0 no FAIL, 1 any FAIL,
// 2 usage or target errors.
import { writeFileSync } from 'node:fs'
import { TesseraError } from '../core/errors.js'
import { runAudit } from './engine.js'
import { loadTarget } from './load.js'
import { textReport } from './report-text.js'
import { sarifReport } from './report-sarif.js'

/** Usage text of the audit subcommand. */
export const AUDIT_USAGE = `usage: tessera-session audit --target <file.yaml|file.json> --i-am-authorised [options]

Audits the session lifecycle of a web app you own (see docs/audit.md).

  --target <file>      the target description (YAML or JSON)
  --i-am-authorised    required: you own the target or have written permission to test it
  --json               print the report as JSON instead of text
  --sarif <file>       also write a SARIF 2.1.0 report (for CI code scanning)
  --long               wait for the real timeouts (policy.long) instead of the test profile
  --only <ids>         comma-separated check ids (default: all)
  --budget <n>         at most n requests (default 3000)
  --rate <n>           at most n requests per second (default 50)
  --samples <n>        tokens collected per kind for the randomness tests (default 80)
  --quiet              no progress on stderr

exit code: 0 no check failed, 1 a check failed, 2 bad usage or target`

interface AuditArgs {
  target: string
  authorised: boolean
  json: boolean
  sarif: string | null
  long: boolean
  only: string[] | undefined
  budget: number | undefined
  rate: number | undefined
  samples: number | undefined
  quiet: boolean
}

function usage(message: string): never {
  throw new TesseraError('ERR_CONFIG', message)
}

/**
 * Parses the audit arguments; throws `ERR_CONFIG` on anything unknown or malformed.
 *
 * @example
 * parseAuditArgs(['--target', 't.yaml', '--i-am-authorised'])
 */
export function parseAuditArgs(argv: readonly string[]): AuditArgs {
  const args: AuditArgs = {
    target: '',
    authorised: false,
    json: false,
    sarif: null,
    long: false,
    only: undefined,
    budget: undefined,
    rate: undefined,
    samples: undefined,
    quiet: false,
  }
  const value = (i: number, flag: string) => {
    const v = argv[i + 1]
    if (v === undefined || v.startsWith('--')) usage(`${flag} needs a value`)
    return v
  }
  const count = (i: number, flag: string, min: number) => {
    const n = Number(value(i, flag))
    if (!Number.isInteger(n) || n < min) usage(`${flag} must be an integer ≥ ${min}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!
    if (flag === '--target') args.target = value(i++, flag)
    else if (flag === '--i-am-authorised' || flag === '--i-am-authorized') args.authorised = true
    else if (flag === '--json') args.json = true
    else if (flag === '--sarif') args.sarif = value(i++, flag)
    else if (flag === '--long') args.long = true
    else if (flag === '--only')
      args.only = value(i++, flag)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (flag === '--budget') args.budget = count(i++, flag, 10)
    else if (flag === '--rate') args.rate = count(i++, flag, 1)
    else if (flag === '--samples') args.samples = count(i++, flag, 2)
    else if (flag === '--quiet') args.quiet = true
    else usage(`unknown option ${JSON.stringify(flag)}`)
  }
  if (!args.target) usage('--target <file> is required')
  return args
}

/**
 * Runs `tessera-session audit`; resolves to the exit code.
 *
 * @example
 * process.exitCode = await audit(process.argv.slice(3))
 */
export async function audit(
  argv: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(AUDIT_USAGE)
    return 0
  }
  try {
    const args = parseAuditArgs(argv)
    const target = loadTarget(args.target)
    const report = await runAudit({
      target,
      authorised: args.authorised,
      budget: args.budget,
      rate: args.rate,
      samples: args.samples,
      long: args.long,
      only: args.only,
      progress: args.quiet ? undefined : err,
    })
    out(args.json ? JSON.stringify(report, null, 2) : textReport(report))
    if (args.sarif)
      writeFileSync(args.sarif, `${JSON.stringify(sarifReport(report, args.target), null, 2)}\n`)
    return report.results.some((r) => r.verdict === 'FAIL') ? 1 : 0
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/^Tessera configuration: /, '') : String(error)
    err(`tessera-session audit: ${message}`)
    if (error instanceof TesseraError && error.code === 'ERR_CONFIG')
      err('run tessera-session audit --help for usage')
    return 2
  }
}

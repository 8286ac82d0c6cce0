import {
  headlineClaims,
  measuredOn,
  noiseClaims,
  profileClaim,
  skippedClaims,
  populationClaims,
  setupClaims,
  threadClaims,
  writesClaims,
} from './claims.js'
import { cell, num } from './format.js'
import type { BenchResult } from './harness.js'
import type { ProfileSummary, SelfTime } from './profile.js'
import {
  comparisonTable,
  driftTable,
  extrasTable,
  loginTable,
  readTable,
  targetTable,
} from './tables.js'

/**
 * The sentences of the report that describe the harness itself (how it measures), not the
 * measured systems; everything else in prose comes from `claims.ts`. Each is true of the code
 * in `bench/lib` (`bench/report.test.ts` keeps prose outside this list and the claims out).
 */
export const METHOD: readonly string[] = [
  'Each server runs in its own process (`bench/servers/`); the load generator runs in another (`bench/loadgen/`), on loopback.',
  'A round is: bare node:http, every case (in an order rotated each round, compared cases back to back), bare again; a ratio to bare divides by the mean of the two bare runs of the same round.',
  'Every ratio is given with an interval in brackets: the smallest and largest round unless its row names another interval; a target counts as met only when the whole interval clears it, as missed when the whole interval falls short of it, and as not separable from the target otherwise.',
  'Server CPU µs/request is the server process CPU time (all threads, `/proc/<pid>/stat`) during the measured window divided by the responses; the main-thread share comes from `/proc/<pid>/task/<pid>/stat`.',
  'Before load, each case is checked: the timed request answers with a success status and the user; sequential requests then count `Set-Cookie` headers and store calls (a counting wrapper around the store).',
  'Redis commands per request come from `INFO commandstats` deltas over the measured window of a private redis-server, its CPU from `/proc`.',
  'Population cases seed their sessions through the store API before listening and write the tokens to a file in the run’s private temporary directory; the load generator picks a token (and its User-Agent) per request from that file.',
  'A population case with CSRF sends each session’s own CSRF token: the first server of such a case answers `GET /csrf` once per seeded session (as a page would fetch it) and the harness adds the tokens to the population file; the load then goes to a freshly started server.',
]

function profileSection(p: ProfileSummary, index: number, count: number): string[] {
  const which =
    index === count - 1 && p.case === 't-memory'
      ? 'the headline case'
      : index === 0
        ? 'the slowest Tessera case'
        : 'the slowest Tessera case in a default configuration'
  const tail = (t: SelfTime) => `${num(t.perReqUs, 2)} | ${num(t.share, 3)} |`
  return [
    `## Where the time goes: CPU profile of ${which} (${p.label})`,
    '',
    profileClaim(p),
    '',
    '| area | self µs/req | share of busy time |',
    '|---|---:|---:|',
    ...p.areas.slice(0, 10).map((t) => `| ${cell(t.name)} | ${tail(t)}`),
    '',
    '| function | where | self µs/req | share of busy time |',
    '|---|---|---:|---:|',
    ...p.functions
      .slice(0, 15)
      .map((t) => `| ${cell(t.name)} | ${cell(t.where || '–')} | ${tail(t)}`),
    '',
  ]
}

const section = (title: string, body: readonly string[]) =>
  body.length ? [`## ${title}`, '', ...body, ''] : []

/**
 * Renders a benchmark result as the Markdown of `docs/benchmarks.md`: tables of the result's
 * numbers, the claims of `claims.ts`, and the harness's {@link METHOD}.
 *
 * @example
 * writeFileSync('docs/benchmarks.md', renderMarkdown(result))
 */
export function renderMarkdown(r: BenchResult): string {
  const oneSession = r.summary.filter((x) => x.kind === 'read' && !x.id.startsWith('pop-'))
  const population = r.summary.filter((x) => x.id.startsWith('pop-'))
  const logins = r.summary.filter((x) => x.kind === 'login')
  const overhead = r.comparisons.filter((c) => c.kind === 'overhead')
  const lines: string[] = [
    '# Benchmarks',
    '',
    measuredOn(r),
    '',
    ...section('Like for like: Tessera ÷ the peer on the same framework', [
      ...headlineClaims(r),
      ...writesClaims(r),
    ]),
    '![ratio to bare node:http](benchmarks.svg)',
    '',
    ...section('Targets', r.targets.length ? targetTable(r.targets) : []),
    ...section(
      'Authenticated requests, one session',
      oneSession.length ? readTable(oneSession) : [],
    ),
    ...section(
      'Authenticated requests, a population of sessions',
      population.length ? [...populationClaims(r), '', ...readTable(population)] : [],
    ),
    ...section(
      'Same-round ratios within one framework',
      overhead.length ? comparisonTable(overhead) : [],
    ),
    ...section(
      'Login (session creation, per-user cap enforced)',
      logins.length ? loginTable(logins) : [],
    ),
    ...section(
      'Hostile traffic, bound cookies, near cache',
      r.extras.length ? extrasTable(r.extras) : [],
    ),
  ]
  if (r.footprints.length) {
    lines.push(
      ...section('Bytes per session', [
        '| store | sessions | bytes per session | measured as |',
        '|---|---:|---:|---|',
        ...r.footprints.map(
          (f) =>
            `| ${cell(f.label)} | ${f.sessions} | ${num(f.bytesPerSession)} | ${cell(f.how)} |`,
        ),
      ]),
    )
  }
  for (const [i, p] of r.profiles.entries()) lines.push(...profileSection(p, i, r.profiles.length))
  lines.push(
    ...section('Set-up the servers reported', [...setupClaims(r), ...threadClaims(r)]),
    ...section('Noise', [
      ...noiseClaims(r),
      ...(r.drift.length ? ['', ...driftTable(r.drift)] : []),
    ]),
    ...section('Not measured in this run', skippedClaims(r)),
    ...section(
      'Method',
      METHOD.map((x) => `- ${x}`),
    ),
    ...section('Versions', [
      '| package | version |',
      '|---|---|',
      ...Object.entries(r.machine.versions).map(([k, v]) => `| ${k} | ${v} |`),
    ]),
    ...section('Re-running', [
      '```',
      'npm ci && npm ci --prefix bench',
      'npm run bench',
      'npm run bench -- --help',
      '```',
    ]),
  )
  return lines.join('\n')
}

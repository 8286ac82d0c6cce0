// Every sentence of docs/benchmarks.md that states something about the measured systems is
// made here, from the run's result: a case that did not run yields no sentence, and changing
// a number in the result changes the sentence. (bench/report.test.ts checks both.)
import { num } from './format.js'
import type { BenchResult } from './harness.js'
import type { ProfileSummary } from './profile.js'
import { ratioText } from './tables.js'

/** The first line: machine, versions of the services, and the run's settings. */
export function measuredOn(r: BenchResult): string {
  const m = r.machine
  const s = r.settings
  return (
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node} (OpenSSL ${m.openssl}), Redis ${m.redis ?? '–'}, PostgreSQL ${m.postgres ?? '–'}; ` +
    `${s.rounds} round(s) of ${s.warmupMs} ms warm-up + ${s.durationMs} ms measured per case, ${s.connections} connections, load generator ${s.loadgen}${s.quick ? ' (quick mode)' : ''}.`
  )
}

/** The line above a CPU profile's tables. */
export function profileClaim(p: ProfileSummary): string {
  return `\`node --cpu-prof\` under the same load (${num(p.rps)} req/s under the profiler), samples of the measured window only; main-thread busy time ${num(p.busyPerReqUs, 1)} µs per request.`
}

/** Cases the run could not measure, with the reason each gave. */
export function skippedClaims(r: BenchResult): string[] {
  return Object.entries(r.skipped).map(([id, why]) => `- \`${id}\`: ${why}`)
}

/**
 * The headline: Tessera against the peer doing the same job on the same framework, by
 * throughput and server CPU, each with its min–max over rounds.
 *
 * @example
 * lines.push(...headlineClaims(result))
 */
export function headlineClaims(r: BenchResult): string[] {
  return r.comparisons
    .filter((c) => c.kind === 'peer')
    .map(
      (c) =>
        `- **${c.label}: ${ratioText({ median: c.ratio, lo: c.lo, hi: c.hi })}** by requests/second (median and min–max over ${c.rounds} round(s)); ` +
        `server CPU ${num(c.caseCpuUs, 1)} µs against ${num(c.baseCpuUs, 1)} µs per request, ratio ${ratioText({ median: c.cpuRatio, lo: c.cpuLo, hi: c.cpuHi })}.`,
    )
}

/** Store writes and Set-Cookie headers on read-only requests: Tessera's worst case and the peers'. */
export function writesClaims(r: BenchResult): string[] {
  const reads = r.summary.filter((s) => s.kind === 'read' && s.writes !== null)
  const tess = reads.filter((s) => s.group === 'tessera')
  if (tess.length === 0) return []
  const worst = tess.reduce((a, s) => (s.writes! > a.writes! ? s : a))
  const cookies = Math.max(...tess.map((s) => s.setCookiePerReq))
  const peers = reads.filter((s) => s.group === 'peer')
  return [
    `- Store writes per read-only request, highest over ${tess.length} Tessera case(s): ${num(worst.writes, 2)} (${worst.id}); Set-Cookie per read, highest: ${num(cookies, 2)}` +
      (peers.length
        ? `; peers: ${peers.map((s) => `${s.id} ${num(s.writes, 2)}`).join(', ')}.`
        : '.'),
  ]
}

/** What the population cases were: sizes, seeding, User-Agents and spread, as reported. */
export function populationClaims(r: BenchResult): string[] {
  const pop = r.cases.filter((c) => c.population && r.summary.some((s) => s.id === c.id))
  if (pop.length === 0) return []
  const out: string[] = []
  for (const c of pop) {
    const s = r.summary.find((x) => x.id === c.id)!
    const seeded = s.setup.seededSessions
    const secs = s.setup.seedSeconds
    const uas = s.setup.userAgentCount
    const spread =
      c.population!.spread === 'zipf'
        ? `Zipf-distributed (exponent ${num(c.population!.zipfS ?? Number.NaN, 1)})`
        : 'uniformly distributed'
    const how = s.setup.seedReused
      ? 'seeded through the store by an earlier server of this run'
      : `seeded through the store in ${typeof secs === 'number' ? num(secs, 1) : '–'} s before the server listened`
    const ahead = s.setup.lastSeenAheadS
    out.push(
      `- ${c.label}: ${typeof seeded === 'number' ? num(seeded) : '–'} live sessions, ${how}, marked as last seen ${typeof ahead === 'number' ? num(ahead) : '–'} s after seeding (so no request of the run is due for a touch write); ` +
        `each request picks one ${spread} over them, with that session's User-Agent (${typeof uas === 'number' ? uas : '–'} distinct)${c.population!.csrf ? ' and its own CSRF token' : ''}.`,
    )
  }
  return out
}

/** Facts the servers reported about themselves, grouped by fact. */
export function setupClaims(r: BenchResult): string[] {
  const out: string[] = []
  const jose = r.summary.filter((s) => s.id.startsWith('jose-') && s.setup.verifyKey)
  if (jose.length) {
    out.push(
      `- jose peers (${jose.map((s) => s.setup.alg).join(', ')}): the verification key each server held was a ${[...new Set(jose.map((s) => s.setup.verifyKey))].join(' / ')}, made at ${[...new Set(jose.map((s) => s.setup.keyMadeAt))].join(' / ')} (the server reads this from its own key object).`,
    )
  }
  const runtimes = new Map<string, string[]>()
  for (const s of r.summary) {
    const rt = s.setup.runtime
    if (typeof rt === 'string') runtimes.set(rt, [...(runtimes.get(rt) ?? []), s.id])
  }
  for (const [rt, ids] of runtimes) {
    out.push(
      `- ${ids.length} Tessera case(s) ran ${rt} (as each server read from its own module URL).`,
    )
  }
  return out
}

/** Where the token checks' server CPU went by thread (main thread against the others). */
export function threadClaims(r: BenchResult): string[] {
  const tok = r.summary.filter(
    (s) =>
      (s.id.startsWith('jose-') || s.id.startsWith('t-token-')) && Number.isFinite(s.mainThreadPct),
  )
  if (tok.length === 0) return []
  return [
    `- Share of server CPU time on the main (event-loop) thread, token cases, the rest on other threads of the same process: ${tok
      .map((s) => `${s.id} ${num(s.mainThreadPct)} %`)
      .join(', ')}.`,
  ]
}

/** The noise around the run: other processes, the load generator, failures, drift. */
export function noiseClaims(r: BenchResult): string[] {
  const bare = r.summary.find((s) => s.id === 'bare')
  const failures = r.summary.reduce((a, x) => a + x.failures, 0)
  const worst = r.drift.reduce<(typeof r.drift)[number] | null>(
    (a, d) => (a && Math.abs(a.rpsDriftPct) >= Math.abs(d.rpsDriftPct) ? a : d),
    null,
  )
  const out = [
    `- Failures (non-2xx, errors, timeouts) in measured windows: ${failures}.`,
    `- A run was repeated up to ${r.settings.retries} time(s) when other processes used more than ${num(r.settings.maxForeignCores, 1)} core(s), keeping the quieter attempt` +
      (r.settings.retryBudgetS === undefined
        ? '.'
        : `, until the rounds had taken ${r.settings.retryBudgetS} s.`),
  ]
  if (bare) {
    out.push(
      `- Against bare node:http the load generator used ${num(bare.loadgenCpuUs, 1)} µs of CPU per request and the server ${num(bare.cpuUs, 1)} µs, on the same ${r.machine.cores} cores: cheap cases are partly bound by the load generator, so compare them by server CPU too.`,
    )
  }
  if (worst) {
    out.push(
      `- The largest change of bare node:http between the first and last run of a round: ${num(worst.rpsDriftPct, 1)} % in requests/second (round ${worst.round}; table below).`,
    )
  }
  return out
}

/**
 * Every claim line the report can contain for this result (for the report test: prose outside
 * this list and the harness's method is not allowed).
 *
 * @example
 * allClaims(result).includes(line)
 */
export function allClaims(r: BenchResult): string[] {
  return [
    measuredOn(r),
    ...headlineClaims(r),
    ...writesClaims(r),
    ...populationClaims(r),
    ...setupClaims(r),
    ...threadClaims(r),
    ...noiseClaims(r),
    ...skippedClaims(r),
    ...r.profiles.map(profileClaim),
  ]
}

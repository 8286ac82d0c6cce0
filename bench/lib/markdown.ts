import { cell, num, perReq } from './format.js'
import { headline } from './headline.js'
import type { BenchResult } from './harness.js'
import type { ProfileSummary, SelfTime } from './profile.js'
import type { CaseSummary } from './summary.js'
import { evaluateTargets, writesPerRead } from './targets.js'

const GROUP: Record<CaseSummary['group'], string> = {
  bound: 'bound',
  peer: 'peer',
  tessera: '**Tessera**',
}

function mainTable(rows: readonly CaseSummary[]): string[] {
  const out = [
    '| group | case | median req/s | ratio to bare | p50 ms | p99 ms | server CPU µs/req | extra µs/req vs bare | CPU ratio | store-process CPU µs/req | store calls / Redis commands per request | writes per read | Set-Cookie per read | credential bytes | req/s min–max (runs) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|',
  ]
  for (const s of rows) {
    const ops = s.storeCallsPerReq ? perReq(s.storeCallsPerReq) : '–'
    const redis = s.redisPerReq ? `Redis: ${perReq(s.redisPerReq)}` : ''
    out.push(
      `| ${GROUP[s.group]} | ${cell(s.label)} | ${num(s.rps)} | **${num(s.ratio, 2)}** | ${num(s.p50, 2)} | ${num(s.p99, 2)} | ${num(s.cpuUs)} | ${num(s.extraCpuUs)} | ${num(s.cpuRatio, 2)} | ${num(s.storeCpuUs, 1)} | ${cell([ops, redis].filter((x) => x && x !== '–').join('; ') || '–')} | ${num(writesPerRead(s), 2)} | ${num(s.setCookiePerReq, 2)} | ${s.credentialBytes || '–'} | ${num(s.rpsMin)}–${num(s.rpsMax)} (${s.runs}) |`,
    )
  }
  return out
}

function loginTable(rows: readonly CaseSummary[]): string[] {
  if (rows.length === 0) return ['No login case ran.']
  const out = [
    '| case | median logins/s | ratio to bare | p50 ms | p99 ms | server CPU µs/login | store-process CPU µs/login | store calls / Redis commands per login | runs |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
  ]
  for (const s of rows) {
    const ops = [
      s.storeCallsPerReq ? perReq(s.storeCallsPerReq) : '',
      s.redisPerReq ? `Redis: ${perReq(s.redisPerReq)}` : '',
    ]
      .filter(Boolean)
      .join('; ')
    out.push(
      `| ${cell(s.label)} | ${num(s.rps)} | ${num(s.ratio, 2)} | ${num(s.p50, 2)} | ${num(s.p99, 2)} | ${num(s.cpuUs)} | ${num(s.storeCpuUs, 1)} | ${cell(ops || '–')} | ${s.runs} |`,
    )
  }
  return out
}

function profileSection(p: ProfileSummary, index: number, count: number): string[] {
  const which =
    index === count - 1 && p.case === 't-memory'
      ? 'the headline case'
      : index === 0
        ? 'the slowest Tessera case'
        : 'the slowest Tessera case in a default configuration'
  const tail = (t: SelfTime) => `${num(t.perReqUs, 2)} | ${num(t.share * 100, 1)} % |`
  const row = (t: SelfTime) => `| ${cell(t.name)} | ${cell(t.where || '–')} | ${tail(t)}`
  const areaRow = (t: SelfTime) => `| ${cell(t.name)} | ${tail(t)}`
  return [
    `## Where the time goes: CPU profile of ${which} (${p.label})`,
    '',
    `\`node --cpu-prof\` on the server under the same load (${num(p.rps)} req/s under the profiler), samples of the measured window only. ` +
      `Main-thread busy time: ${num(p.busyPerReqUs, 1)} µs per request. Profiler samples are wall-clock: on a shared machine they include time the thread was descheduled, so read shares, not absolutes. ` +
      "`writev` is the one socket write per response (strace shows exactly one per request for bare node:http and Tessera alike); its share is the kernel's loopback send plus the time the thread lost the CPU to the load generator it just woke up.",
    '',
    '| area | self µs/req | share |',
    '|---|---:|---:|',
    ...p.areas.slice(0, 10).map(areaRow),
    '',
    '| function | where | self µs/req | share |',
    '|---|---|---:|---:|',
    ...p.functions.slice(0, 15).map(row),
    '',
  ]
}

/**
 * Renders a benchmark result as the Markdown of `docs/benchmarks.md`.
 *
 * @example
 * writeFileSync('docs/benchmarks.md', renderMarkdown(result))
 */
export function renderMarkdown(r: BenchResult): string {
  const m = r.machine
  const s = r.settings
  const reads = r.summary.filter((x) => x.kind === 'read')
  const logins = r.summary.filter((x) => x.kind === 'login')
  const targets = evaluateTargets(r.summary, r.comparisons)
  const mark = (v: boolean | null) => (v === null ? 'not measured' : v ? '**met**' : '**not met**')
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node} (OpenSSL ${m.openssl}), Redis ${m.redis ?? '–'}, PostgreSQL ${m.postgres ?? '–'}.`,
    `${s.rounds} round(s) × (${num(s.warmupMs / 1000, 1)} s warm-up + ${num(s.durationMs / 1000, 1)} s measured), ${s.connections} connections, load generator: ${s.loadgen}${s.quick ? ' (**quick mode: indicative only**)' : ''}.`,
    'Only the ratios measured in the same run count: the machine is shared and its absolute req/s move by 2× from minute to minute.',
    '',
    ...headline(r),
    '',
    '![ratio to bare node:http](benchmarks.svg)',
    '',
    '## Targets',
    '',
    'Status is judged on the requests/second ratio, as the issues define the targets. The CPU column gives the same ratio by server CPU µs/request, which does not depend on how much of the machine the load generator and other processes took.',
    '',
    '| what | peers (this run) | Tessera (this run) | Tessera, by server CPU | target | status |',
    '|---|---|---|---|---|---|',
    ...targets.map(
      (t) =>
        `| ${cell(t.what)} | ${cell(t.peer)} | ${cell(t.tessera)} | ${cell(t.tesseraCpu || '–')} | ${cell(t.target)} | ${mark(t.met)} |`,
    ),
    '',
    '## Authenticated requests',
    '',
    'Every case serves a request that loads an existing session (cookie or bearer token from a prior `POST /login`) and returns the stored user as JSON.',
    '',
    ...mainTable(reads),
    '',
  ]
  if (r.comparisons.length) {
    lines.push(
      '## Same-round ratios',
      '',
      '| comparison | req/s ratio (median over rounds) | by server CPU µs/req | target | rounds |',
      '|---|---:|---:|---:|---:|',
    )
    for (const c of r.comparisons) {
      lines.push(
        `| ${cell(c.label)} | **${num(c.ratio, 2)}** | ${num(c.cpuRatio, 2)} | ${c.target ? `≥ ${num(c.target, 2)}` : '–'} | ${c.rounds} |`,
      )
    }
    lines.push('')
  }
  lines.push(
    '## Login (session creation, per-user cap enforced)',
    '',
    '`POST /login` without a cookie, rotating over 50 users with `maxSessionsPerUser: 5` (`evict-oldest`), so after the first 250 logins every login also evicts a session.',
    '',
    ...loginTable(logins),
    '',
  )
  if (r.footprints.length) {
    lines.push(
      '## Bytes per session',
      '',
      "Sessions created through the case's own `POST /login` (5 per user, under the cap), then measured in the store.",
      '',
      '| store | sessions | bytes per session | measured as |',
      '|---|---:|---:|---|',
      ...r.footprints.map(
        (f) => `| ${cell(f.label)} | ${f.sessions} | ${num(f.bytesPerSession)} | ${cell(f.how)} |`,
      ),
      '',
    )
  }
  for (const [i, p] of r.profiles.entries()) lines.push(...profileSection(p, i, r.profiles.length))
  const skipped = Object.entries(r.skipped)
  if (skipped.length) {
    lines.push(
      '## Not measured in this run',
      '',
      ...skipped.map(([id, why]) => `- \`${id}\`: ${why}`),
      '',
    )
  }
  lines.push(
    '## Method',
    '',
    '- Each server runs in its own process (`bench/servers/`); Tessera servers are TypeScript run with `node --import tsx` (the loader works at import time only; see the note below). The load generator runs in another process (`bench/loadgen/`), on loopback, pipelining 1.',
    '- A round is: bare node:http, every case (in an order rotated each round), bare again. The round baseline is the mean of its two bare runs; **ratio = median over rounds of (case req/s ÷ its round baseline)**.',
    '- Before load, every case is checked: login, then the timed request answers 200 with the user; then sequential requests count `Set-Cookie` headers and store calls (a counting wrapper around the store, Tessera and peers alike).',
    '- Server CPU µs/request = the server process CPU time (all threads, `/proc/<pid>/stat`) during the measured window ÷ responses. "CPU ratio" = bare µs/req ÷ case µs/req, roughly what the throughput ratio would be if the server had a core to itself. Redis runs privately for the benchmark; its commands come from `INFO commandstats` deltas over the measured window, its CPU from `/proc`.',
    `- Noise: CPU used by other processes during each window is recorded; a run is repeated${s.retries ? ` (up to ${s.retries}×) after a pause` : ''} when others used more than ${s.maxForeignCores} core(s), and the quieter attempt is kept. Median others per case: ${reads
      .map((x) => `${x.id} ${x.otherCores.toFixed(2)}`)
      .join(', ')}.`,
    `- The load generator itself used ${num(r.summary.find((x) => x.id === 'bare')?.loadgenCpuUs, 1)} µs of CPU per request against bare node:http (${num(r.summary.find((x) => x.id === 'bare')?.cpuUs, 1)} µs for the server), on the same 2 cores: the cheapest cases are partly load-generator-bound, which pulls their ratios toward 1. Compare cheap cases by server CPU µs/request too.`,
    '- Redis `INFO commandstats` also counts the commands a Lua script runs: Tessera\'s read is one `EVALSHA` round trip whose script runs `HGETALL`, so it shows as both. "Writes per read" counts store calls that write (`set`, `touch`, `update`, `create`, `destroy`) from the counting wrapper, or Redis write commands where no wrapper exists.',
    "- Token cases: 'verify every request' = `revocation: 'stateless+denylist'` with the verified-token cache off (`verifiedCacheSize: 0`), so every request checks the signature as jose's `jwtVerify` does; 'defaults' = stateful revocation (one store read per request) with the verified-token cache on, which, one token being repeated, skips the signature check after the first request.",
    "- Token verification: Tessera verifies ES256/EdDSA synchronously with `node:crypto` on the event loop; jose uses WebCrypto, whose signature work runs on libuv's thread pool, i.e. partly on the second core. Server CPU µs/request counts all threads.",
    "- Tessera servers run the JavaScript `tsc` emits (`bench/tsconfig.servers.json`), as users of `npm run build` do. Under tsx, esbuild's `keepNames` adds a `__name()` call to every function created per request (visible in CPU profiles), so TypeScript-on-the-fly would understate Tessera (`--runtime tsx` still allows it for development).",
    '- Failures (non-2xx, errors, timeouts) during measured windows: ' +
      `${r.summary.reduce((a, x) => a + x.failures, 0)}.`,
    '',
    '## Versions',
    '',
    '| package | version |',
    '|---|---|',
    ...Object.entries(m.versions).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Re-running',
    '',
    '```',
    'npm ci && npm ci --prefix bench     # the peers and autocannon live in bench/package.json',
    'npm run bench                        # full run: writes docs/benchmarks.md and docs/benchmarks.svg',
    'npm run bench -- --quick             # < 2 minutes, writes bench/results/latest.md only',
    'npm run bench -- --cases t-memory,es-mem --rounds 5',
    '```',
    '',
  )
  return lines.join('\n')
}

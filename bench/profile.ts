// `node --import tsx bench/profile.ts <case> [seconds]`: runs one case under `node --cpu-prof`
// with the usual load and prints the top self-time functions and areas.
import { prepare, ROOT_DIR } from './lib/harness.js'
import { selectCases } from './lib/cases.js'
import { profileCase } from './lib/profile.js'

const ids = (process.argv[2] ?? '').split(',').filter(Boolean)
if (ids.length === 0) throw new Error('usage: bench/profile.ts <case>[,<case>…] [seconds]')
const seconds = Number(process.argv[3] ?? 5)
const runtime = process.env.BENCH_RUNTIME === 'tsx' ? 'tsx' : 'build'
const p = await prepare(selectCases(ids, false), console.log, runtime)
for (const id of ids) {
  const def = p.cases.find((c) => c.id === id)
  if (!def) {
    console.log(`${id} cannot run here: ${p.skipped[id] ?? 'unknown'}`)
    continue
  }
  const summary = await profileCase(
    def,
    p.env,
    {
      connections: 32,
      warmupMs: 1000,
      durationMs: seconds * 1000,
      loadgen: 'autocannon',
      checkRequests: 5,
    },
    ROOT_DIR,
  )
  if (!summary) throw new Error(`${id}: no profile (skipped?)`)
  console.log(
    `${summary.label}: ${Math.round(summary.rps)} req/s under the profiler, main thread busy ` +
      `${summary.busyPerReqUs.toFixed(1)} µs/req`,
  )
  for (const t of [summary.areas, summary.functions]) {
    console.table(
      t.map((r) => ({
        name: r.name,
        where: r.where,
        'µs/req': r.perReqUs.toFixed(2),
        share: `${(r.share * 100).toFixed(1)} %`,
      })),
    )
  }
}
await p.cleanup()

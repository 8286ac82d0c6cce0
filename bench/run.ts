// `npm run bench [-- --quick] [--cases a,b] [--rounds N] [--duration S] [--warmup S]
//   [--connections N] [--loadgen autocannon|builtin] [--max-foreign CORES] [--retries N]
//   [--docs | --no-docs] [--profile | --no-profile] [--footprint | --no-footprint]
//   [--runtime build|tsx]`
// Writes bench/results/<date>.json and bench/results/latest.md; a full run (or --docs) also
// writes docs/benchmarks.md and docs/benchmarks.svg.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BENCH_DIR, type BenchOptions, ROOT_DIR, runBench } from './lib/harness.js'
import { renderMarkdown } from './lib/markdown.js'
import { renderChart } from './lib/svg.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    cases: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    loadgen: { type: 'string' },
    'max-foreign': { type: 'string' },
    retries: { type: 'string' },
    docs: { type: 'boolean' },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean', default: false },
    footprint: { type: 'boolean' },
    'no-footprint': { type: 'boolean', default: false },
    runtime: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
  },
})

const num = (v: string | undefined, scale = 1) => (v === undefined ? undefined : Number(v) * scale)
const loadgen = values.loadgen
if (loadgen !== undefined && loadgen !== 'autocannon' && loadgen !== 'builtin')
  throw new Error('--loadgen must be autocannon or builtin')
const runtime = values.runtime ?? 'build'
if (runtime !== 'build' && runtime !== 'tsx') throw new Error('--runtime must be build or tsx')
const options: BenchOptions = {
  runtime,
  quick: values.quick,
  cases: values.cases ? values.cases.split(',') : null,
  rounds: num(values.rounds),
  warmupMs: num(values.warmup, 1000),
  durationMs: num(values.duration, 1000),
  connections: num(values.connections),
  loadgen,
  maxForeignCores: num(values['max-foreign']),
  retries: num(values.retries),
  profile: values.profile ?? (!values.quick && !values['no-profile']),
  footprint: values.footprint ?? (!values.quick && !values['no-footprint']),
}
const started = Date.now()
const result = await runBench(options)
const out = join(BENCH_DIR, 'results')
mkdirSync(out, { recursive: true })
const stamp = result.machine.date.replace(/[:.]/g, '-')
writeFileSync(join(out, `${stamp}.json`), JSON.stringify(result, null, 2))
const markdown = renderMarkdown(result)
writeFileSync(join(out, 'latest.md'), markdown)
const writeDocs = values.docs ?? (!values.quick && !values['no-docs'] && !values.cases)
if (writeDocs) {
  writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.md'), markdown)
  writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.svg'), renderChart(result))
}
console.log(`\n${markdown}`)
console.log(
  `done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/results/` +
    (writeDocs ? ', docs/benchmarks.md and docs/benchmarks.svg' : ''),
)

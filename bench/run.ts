// `npm run bench [-- options]`; `npm run bench -- --help` lists them.
// Writes bench/results/<date>.json and bench/results/latest.md; a full run (or --docs) also
// writes docs/benchmarks.md and docs/benchmarks.svg.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { unbackedNumbers } from './lib/backing.js'
import { EXTRAS } from './lib/extras.js'
import { BENCH_DIR, type BenchOptions, ROOT_DIR, runBench } from './lib/harness.js'
import { renderMarkdown } from './lib/markdown.js'
import { writeReadme } from './lib/readme.js'
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
    extras: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

if (values.help) {
  console.log(`npm run bench [-- options]
  --quick                 a short indicative run of a few cases (no docs, profiles, footprint, extras)
  --cases a,b             only these cases (bare is always added); ids in bench/lib/cases.ts
  --rounds N              rounds (default 3; 1 with --quick)
  --duration S            measured seconds per run (default 2)   --warmup S  (default 0.6)
  --connections N         load generator connections (default 32)
  --loadgen autocannon|builtin
  --max-foreign CORES     repeat a run when other processes used more (default 1.2)
  --retries N             repeats allowed per run (default 1), none after 420 s of rounds
  --extras all|none|a,b   extra benchmarks after the rounds: ${EXTRAS.map((x) => x.id).join(', ')}
                          (default: all on a full run, none with --quick or --cases)
  --docs | --no-docs      write docs/benchmarks.md, .svg and README's block (default: full run)
  --profile | --no-profile, --footprint | --no-footprint
  --runtime build|tsx     run Tessera's servers from tsc output (default) or TypeScript`)
  process.exit(0)
}

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
const extrasArg = values.extras ?? (values.quick || values.cases ? 'none' : 'all')
options.extras =
  extrasArg === 'all' ? EXTRAS.map((x) => x.id) : extrasArg === 'none' ? [] : extrasArg.split(',')
const unknownExtras = options.extras.filter((id) => !EXTRAS.some((x) => x.id === id))
if (unknownExtras.length) throw new Error(`unknown extra(s): ${unknownExtras.join(', ')}`)
const started = Date.now()
const result = await runBench(options)
const out = join(BENCH_DIR, 'results')
mkdirSync(out, { recursive: true })
const stamp = result.machine.date.replace(/[:.]/g, '-')
writeFileSync(join(out, `${stamp}.json`), JSON.stringify(result, null, 2))
const markdown = renderMarkdown(result)
// The report must state only what this run holds (bench/report.test.ts checks the rule).
const unbacked = unbackedNumbers(markdown, JSON.parse(JSON.stringify(result)))
if (unbacked.length) console.warn(`WARNING: numbers the run does not hold: ${unbacked.join(', ')}`)
writeFileSync(join(out, 'latest.md'), markdown)
const writeDocs = values.docs ?? (!values.quick && !values['no-docs'] && !values.cases)
if (writeDocs) {
  writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.md'), markdown)
  writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.svg'), renderChart(result))
  if (!writeReadme(join(ROOT_DIR, 'README.md'), result))
    console.warn('README.md has no bench:start/bench:end markers; its numbers were not updated')
}
console.log(`\n${markdown}`)
console.log(
  `done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/results/` +
    (writeDocs ? ', docs/benchmarks.md and docs/benchmarks.svg' : ''),
)

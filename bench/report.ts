// `node --import tsx bench/report.ts [results.json]`: re-renders docs/benchmarks.md and
// docs/benchmarks.svg from a saved run (default: the newest bench/results/*.json), e.g. after
// a change to the report's wording, without measuring again. Labels are the current ones.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CASES } from './lib/cases.js'
import { BENCH_DIR, type BenchResult, ROOT_DIR } from './lib/harness.js'
import { renderMarkdown } from './lib/markdown.js'
import { renderChart } from './lib/svg.js'

const dir = join(BENCH_DIR, 'results')
const file =
  process.argv[2] ??
  join(
    dir,
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .at(-1) ?? 'none.json',
  )
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult
const label = (id: string, old: string) => CASES.find((c) => c.id === id)?.label ?? old
for (const s of result.summary) s.label = label(s.id, s.label)
for (const p of result.profiles) p.label = label(p.case, p.label)
writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.md'), renderMarkdown(result))
writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.svg'), renderChart(result))
console.log(`docs/benchmarks.md and docs/benchmarks.svg rendered from ${file}`)

// `npx tsx bench/report.ts [results.json]`: re-renders docs/benchmarks.md and
// docs/benchmarks.svg from a saved run (default: the newest bench/results/*.json), e.g. after
// a change to the report's wording, without measuring again. Summaries, same-round ratios,
// drift and targets are derived again from the saved runs with the current rules and labels.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { unbackedNumbers } from './lib/backing.js'
import { CASES } from './lib/cases.js'
import { derive } from './lib/derive.js'
import { BENCH_DIR, type BenchResult, ROOT_DIR } from './lib/harness.js'
import { renderMarkdown } from './lib/markdown.js'
import { writeReadme } from './lib/readme.js'
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
const saved = JSON.parse(readFileSync(file, 'utf8')) as BenchResult
const cases = saved.cases.map((c) => ({
  ...c,
  label: CASES.find((x) => x.id === c.id)?.label ?? c.label,
}))
const result: BenchResult = {
  ...saved,
  cases,
  ...derive(cases, saved.runs),
  extras: saved.extras ?? [],
}
for (const p of result.profiles) p.label = cases.find((c) => c.id === p.case)?.label ?? p.label
const markdown = renderMarkdown(result)
const unbacked = unbackedNumbers(markdown, result)
if (unbacked.length) throw new Error(`numbers the run does not hold: ${unbacked.join(', ')}`)
writeFileSync(file, JSON.stringify(result, null, 2))
writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.md'), markdown)
writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.svg'), renderChart(result))
writeReadme(join(ROOT_DIR, 'README.md'), result)
console.log(`docs/benchmarks.md and docs/benchmarks.svg rendered from ${file}`)

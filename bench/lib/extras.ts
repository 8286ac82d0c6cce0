import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Interval, Verdict } from './interval.js'
import { judge } from './targets.js'

/** A named number of an extra benchmark. */
export interface ExtraValue {
  name: string
  value: number
  unit: string
}

/**
 * One row of a benchmark that does not fit the request/second rounds (a login under a flood,
 * the reference app's anonymous pages, DBSC, the near cache). Benchmark files outside
 * `bench/lib` return these from an exported `measure` function (see {@link ExtraBench}).
 */
export interface ExtraResult {
  id: string
  label: string
  /** Why the row was not measured; absent when it was. */
  notMeasured?: string | undefined
  values: ExtraValue[]
  /**
   * The row's headline value, its interval and how the interval was made: a ratio (`unit`
   * absent or `×`) or a quantity in `unit` (e.g. a p99 in ms), judged against `target` alike.
   */
  ratio?: (Interval & { name: string; how: string; unit?: string | undefined }) | undefined
  target?: { op: '≥' | '≤'; value: number } | undefined
  verdict?: Verdict | undefined
}

/** What an extra benchmark's `measure` function receives. */
export interface ExtraOptions {
  quick: boolean
  /** A private Redis of this run (redis://…), or null. */
  redisUrl: string | null
  postgresUrl: string | null
  log: (line: string) => void
}

/** An extra benchmark: a file under `bench/` exporting `measure(options)`. */
export interface ExtraBench {
  id: string
  label: string
  /** Path relative to `bench/`. */
  file: string
  /** Name of the exported function. */
  exportName: string
}

/** The extra benchmarks `npm run bench` runs after the rounds, in order. */
export const EXTRAS: readonly ExtraBench[] = [
  {
    id: 'login-flood',
    label: 'login p99 under a password-guessing flood',
    file: 'login-flood.ts',
    exportName: 'measureLoginFlood',
  },
  {
    id: 'anonymous',
    label: 'anonymous GET /login ÷ authenticated read (reference app)',
    file: 'anonymous.ts',
    exportName: 'measureAnonymous',
  },
  // bench/dbsc.ts has a result shape of its own; lib/dbsc-row.ts turns it into rows.
  {
    id: 'dbsc',
    label: 'bound-cookie (DBSC) check',
    file: 'lib/dbsc-row.ts',
    exportName: 'measure',
  },
  {
    id: 'near-cache',
    label: 'near cache: read CPU and revocation propagation',
    file: 'near-cache.ts',
    exportName: 'measure',
  },
]

type Measure = (o: ExtraOptions) => Promise<ExtraResult | ExtraResult[]>

/**
 * Runs the selected extra benchmarks. A file that is missing, has no such export or fails
 * gives a row marked not measured, with the reason, so the report says what it lacks.
 *
 * @example
 * const rows = await runExtras(EXTRAS, benchDir, options)
 */
export async function runExtras(
  list: readonly ExtraBench[],
  benchDir: string,
  o: ExtraOptions,
): Promise<ExtraResult[]> {
  const out: ExtraResult[] = []
  for (const x of list) {
    const missing = (why: string) =>
      out.push({ id: x.id, label: x.label, notMeasured: why, values: [] })
    const file = join(benchDir, x.file)
    if (!existsSync(file)) {
      missing(`bench/${x.file} does not exist in this tree`)
      continue
    }
    try {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
      const fn = mod[x.exportName]
      if (typeof fn !== 'function') {
        missing(`bench/${x.file} exports no function ${x.exportName}`)
        continue
      }
      o.log(`extra benchmark: ${x.id}…`)
      const started = Date.now()
      const rows = await (fn as Measure)(o)
      o.log(`  ${x.id} took ${((Date.now() - started) / 1000).toFixed(0)} s`)
      for (const row of Array.isArray(rows) ? rows : [rows]) out.push(finish(row))
    } catch (error) {
      missing(`failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    }
  }
  return out
}

/** Judges a row's ratio against its target, as the main targets are judged. */
export function finish(row: ExtraResult): ExtraResult {
  if (!row.ratio || !row.target) return row
  return { ...row, verdict: judge(row.ratio, row.target.op, row.target.value) }
}

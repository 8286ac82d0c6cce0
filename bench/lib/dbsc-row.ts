// Rows of `npm run bench` for the DBSC benchmark (bench/dbsc.ts, issue 18), which has its own
// result shape: the bound-cookie check as the ratio of a request's time with ÷ without it.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ExtraOptions, ExtraResult } from './extras.js'

interface Ratio {
  median: number
  min: number
  max: number
  withoutUs: number
  withUs: number
}

interface DbscModule {
  measureDbsc(o: { rounds?: number; http?: boolean }): Promise<{
    pipeline: Ratio
    http: Ratio | null
    refreshPerSec: { median: number; min: number; max: number }
  }>
}

/**
 * Runs bench/dbsc.ts's `measureDbsc` and turns its ratios into report rows (in-process and
 * over loopback HTTP, with the refresh endpoint's rate as a value).
 *
 * @example
 * const rows = await measure({ quick: false, redisUrl: null, postgresUrl: null, log })
 */
export async function measure(o: ExtraOptions): Promise<ExtraResult[]> {
  const file = fileURLToPath(new URL('../dbsc.ts', import.meta.url))
  const label = 'bound-cookie (DBSC) check on an authenticated read'
  if (!existsSync(file))
    return [
      { id: 'dbsc', label, notMeasured: 'bench/dbsc.ts does not exist in this tree', values: [] },
    ]
  const mod = (await import(pathToFileURL(file).href)) as Partial<DbscModule>
  if (typeof mod.measureDbsc !== 'function')
    return [{ id: 'dbsc', label, notMeasured: 'bench/dbsc.ts exports no measureDbsc', values: [] }]
  const rounds = o.quick ? 5 : 21
  const r = await mod.measureDbsc({ rounds })
  const row = (id: string, where: string, q: Ratio): ExtraResult => ({
    id,
    label: `${label}, ${where}`,
    values: [
      { name: 'without the check', value: q.withoutUs, unit: 'µs/req' },
      { name: 'with the check', value: q.withUs, unit: 'µs/req' },
      ...(id === 'dbsc-pipeline'
        ? [{ name: 'signed refreshes', value: r.refreshPerSec.median, unit: '/s of server time' }]
        : []),
    ],
    ratio: {
      median: q.median,
      lo: q.min,
      hi: q.max,
      name: 'time per request with ÷ without the check',
      how: `min–max over ${rounds} alternating rounds`,
    },
  })
  return [
    row('dbsc-pipeline', 'in-process pipeline', r.pipeline),
    ...(r.http ? [row('dbsc-http', 'node adapter over loopback HTTP', r.http)] : []),
  ]
}

// Rows of `npm run bench` for the DBSC benchmark (bench/dbsc.ts, issue 18), which has its own
// result shape: the bound-cookie check as the ratio of a request's time with ÷ without it.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ExtraOptions, ExtraResult } from './extras.js'

interface Spread {
  median: number
  min: number
  max: number
}

interface Ratio extends Spread {
  withoutUs: number
  withUs: number
}

// The shape of bench/dbsc.ts's result this adapter reads (checked at run time: a field that
// moved makes the row "not measured" with the reason, never a wrong number).
interface DbscModule {
  measureDbsc(o: { rounds?: number; requests?: number }): Promise<{
    http?: Ratio
    checkNs?: Spread
    refreshPerSec?: Spread
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
  // Longer rounds than bench/dbsc.ts's default: the HTTP ratio is noisy on a shared machine.
  const rounds = o.quick ? 5 : 41
  const r = await mod.measureDbsc({ rounds, requests: o.quick ? 100 : 400 })
  const q = r.http
  if (!q || typeof q.withUs !== 'number' || typeof q.median !== 'number')
    return [{ id: 'dbsc', label, notMeasured: 'bench/dbsc.ts returned no http ratio', values: [] }]
  const extra = (name: string, v: Spread | undefined, unit: string) =>
    v && typeof v.median === 'number' ? [{ name, value: v.median, unit }] : []
  return [
    {
      id: 'dbsc-http',
      label: `${label}, node adapter over loopback HTTP`,
      values: [
        { name: 'without the check', value: q.withoutUs, unit: 'µs/req' },
        { name: 'with the check', value: q.withUs, unit: 'µs/req' },
        ...extra('the check alone', r.checkNs, 'ns/req'),
        ...extra('signed refreshes', r.refreshPerSec, '/s of handler time'),
      ],
      ratio: {
        median: q.median,
        lo: q.min,
        hi: q.max,
        name: 'time per request with ÷ without the check',
        how: `min–max over ${rounds} alternating round pairs`,
      },
    },
  ]
}

import type { CaseDef } from './cases.js'
import { type Env, type MeasureOptions, measureCase, type RunRecord } from './measure.js'
import { rotate } from './stats.js'

/** Options of {@link runRounds}. */
export interface RoundOptions extends MeasureOptions {
  rounds: number
  /** Re-measure a run once when other processes used more than this many cores. */
  maxForeignCores: number
  retries: number
  /** No run is repeated once the rounds have taken this long (keeps a noisy run in budget). */
  retryBudgetS?: number | undefined
  log: (line: string) => void
}

/** Everything measured, plus why some cases did not run. */
export interface RoundsResult {
  runs: RunRecord[]
  skipped: Record<string, string>
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Cases compared with each other run back to back (within ~30 s, under the same background
 * load), in alternating order from round to round so that drift cancels out.
 */
const RUN_TOGETHER: readonly string[][] = [
  ['express', 't-express', 'es-mem'],
  ['fastify', 't-fastify', 'fastify-session'],
  ['hono', 't-hono'],
  ['minimal-mem', 't-memory', 't-monitoring'],
  ['t-post', 't-post-csrf'],
  ['minimal-redis', 't-redis'],
  ['es-redis', 't-express-redis'],
  ['pop-memory-uniform', 'pop-monitoring-uniform'],
  ['jose-hs256', 't-token-hs256'],
  ['jose-es256', 't-token-es256'],
  ['jose-eddsa', 't-token-eddsa'],
]

/**
 * The order of one round's cases (bare excluded): groups of {@link RUN_TOGETHER} stay
 * together, the units rotate by round, and each group is reversed on odd rounds.
 *
 * @example
 * runOrder(cases, 1)
 */
export function runOrder<T extends { id: string }>(cases: readonly T[], round: number): T[] {
  const placed = new Set<string>()
  const units: T[][] = []
  for (const c of cases) {
    if (placed.has(c.id)) continue
    const group = RUN_TOGETHER.find((g) => g.includes(c.id))
    const members = group ? cases.filter((x) => group.includes(x.id)) : [c]
    for (const m of members) placed.add(m.id)
    units.push(round % 2 ? [...members].reverse() : members)
  }
  return rotate(units, round).flat()
}

function fmt(r: RunRecord): string {
  const ops = r.redisPerReq
    ? ` redis ${Object.entries(r.redisPerReq)
        .map(([k, v]) => `${k}=${v.toFixed(2)}`)
        .join(' ')}`
    : ''
  return (
    `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, ${r.serverCpuUsPerReq.toFixed(0)} µs/req, ` +
    `others ${r.otherCores.toFixed(2)} cores${ops}`
  )
}

/**
 * Runs `rounds` rounds of bare → every case ({@link runOrder}) → bare. A run during which other
 * processes used more than `maxForeignCores` is retried after a pause, and the quieter
 * attempt is kept. A case that reports SKIP is skipped in every later round too.
 *
 * @example
 * const { runs } = await runRounds(cases, env, { rounds: 3, …options })
 */
export async function runRounds(
  cases: readonly CaseDef[],
  env: Env,
  options: RoundOptions,
): Promise<RoundsResult> {
  const runs: RunRecord[] = []
  const skipped: Record<string, string> = {}
  const bare = cases.find((c) => c.id === 'bare')
  if (!bare) throw new Error('the bare case is required')
  const others = cases.filter((c) => c !== bare)
  const started = Date.now()
  const mayRetry = () =>
    options.retryBudgetS === undefined || Date.now() - started < options.retryBudgetS * 1000
  for (let round = 0; round < options.rounds; round++) {
    const sequence = [bare, ...runOrder(others, round), bare]
    for (const def of sequence) {
      if (skipped[def.id]) continue
      let best: RunRecord | null = null
      for (let attempt = 0; attempt <= options.retries; attempt++) {
        const started = Date.now()
        // A case that breaks (a feature half-landed, a server that answers 500) is reported
        // and dropped from later rounds; only a broken baseline stops the run.
        const rec = await measureCase(def, round, env, options).catch((error: unknown) => {
          if (def === bare) throw error
          const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
          return { skip: `failed: ${why}` }
        })
        const took = `${((Date.now() - started) / 1000).toFixed(1)} s`
        if ('skip' in rec) {
          skipped[def.id] = rec.skip
          options.log(`  ${def.id}: SKIPPED (${rec.skip})`)
          break
        }
        rec.attempt = attempt
        options.log(`  r${round + 1} ${def.id}: ${fmt(rec)} [${took}]`)
        if (!best || rec.otherCores < best.otherCores) best = rec
        if (rec.otherCores <= options.maxForeignCores || !mayRetry()) break
        if (attempt < options.retries) await pause(3000)
      }
      if (best) runs.push(best)
    }
  }
  return { runs, skipped }
}

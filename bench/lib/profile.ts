import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { CaseDef } from './cases.js'
import { type Env, type MeasureOptions, measureCase } from './measure.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** One row of a self-time table. */
export interface SelfTime {
  name: string
  where: string
  selfMs: number
  /** Self time per request served in the window, µs. */
  perReqUs: number
  /** Share of the busy (non-idle) main-thread time. */
  share: number
}

/** What `node --cpu-prof` showed for one case under load. */
export interface ProfileSummary {
  case: string
  label: string
  rps: number
  busyMs: number
  /** Main-thread busy time per request (JS + GC + native), µs, with profiler overhead. */
  busyPerReqUs: number
  functions: SelfTime[]
  areas: SelfTime[]
}

/** Where a function lives: Tessera source file, a package, a Node module, or the VM. */
function area(url: string, root: string): string {
  if (!url) return '(native / VM)'
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? 'node internals' : url
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  const nm = path.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = path.slice(nm + 14).split('/')
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'package')
  }
  // Tessera runs from its tsc build in bench/results/build/: name the source file instead.
  return relative(root, path)
    .replace(/^bench\/results\/build\//, '')
    .replace(/\.js$/, '.ts')
}

type Acc = Map<string, { name: string; where: string; us: number }>

function table(map: Acc, busyUs: number, requests: number, n: number): SelfTime[] {
  return [...map.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((v) => ({
      name: v.name,
      where: v.where,
      selfMs: v.us / 1000,
      perReqUs: v.us / Math.max(1, requests),
      share: v.us / busyUs,
    }))
}

/**
 * Summarises a `.cpuprofile`: self time per function and per area (Tessera file, package,
 * Node internals, GC), as shares of the non-idle main-thread time inside `window`.
 *
 * @example
 * const { functions } = summarizeProfile(JSON.parse(text), repoRoot)
 */
export function summarizeProfile(
  p: CpuProfile,
  root: string,
  window: [number, number] = [0, Number.POSITIVE_INFINITY],
  requests = 1,
  n = Number(process.env.PROFILE_TOP ?? 15),
) {
  const byId = new Map(p.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  // Sample times are on the same monotonic clock as process.hrtime: keep the measured window
  // only, so start-up (module loading, tsx's loader registration) is not counted.
  let t = p.startTime
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    t += dt
    if (t >= window[0] && t <= window[1]) selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  })
  const fns: Acc = new Map()
  const areas: Acc = new Map()
  let busyUs = 0
  for (const [id, us] of selfUs) {
    const f = byId.get(id)?.callFrame
    if (!f || f.functionName === '(idle)') continue
    busyUs += us
    const where = area(f.url, root)
    const name = f.functionName || '(anonymous)'
    const loc = f.url ? `${where}:${f.lineNumber + 1}` : where
    const key = `${name}@${loc}`
    const fe = fns.get(key) ?? { name, where: loc, us: 0 }
    fe.us += us
    fns.set(key, fe)
    const areaName =
      name === '(garbage collector)' ? 'GC' : name === '(program)' ? '(program)' : where
    const ae = areas.get(areaName) ?? { name: areaName, where: '', us: 0 }
    ae.us += us
    areas.set(areaName, ae)
  }
  return {
    busyMs: busyUs / 1000,
    busyPerReqUs: busyUs / Math.max(1, requests),
    functions: table(fns, busyUs, requests, n),
    areas: table(areas, busyUs, requests, n),
  }
}

/**
 * Runs one case under `node --cpu-prof` with the usual load and summarises the profile.
 *
 * @example
 * const summary = await profileCase(def, env, options, repoRoot)
 */
export async function profileCase(
  def: CaseDef,
  env: Env,
  options: MeasureOptions,
  root: string,
): Promise<ProfileSummary | null> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-prof-'))
  try {
    const rec = await measureCase(def, -1, env, {
      ...options,
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
    })
    if ('skip' in rec) return null
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (!file) return null
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
    return {
      case: def.id,
      label: def.label,
      rps: rec.rps,
      ...summarizeProfile(p, root, rec.windowUs, rec.ok2xx + rec.non2xx),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

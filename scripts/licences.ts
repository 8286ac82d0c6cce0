/**
 * Licence check over package-lock.json: every package a user of tessera-session can get at run
 * time (its dependencies and its optional peer dependencies, the drivers, with everything they
 * pull in) must have a licence that is not copyleft. Dev-only packages are not shipped and are
 * not checked. Run by `npm test`; prints what it checked and exits 1 on a finding.
 *
 * @example
 * // npm run licences
 * // or: const report = checkLicences(JSON.parse(readFileSync('package-lock.json', 'utf8')))
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The part of a lock-file entry (lockfileVersion 2 or 3) this check reads. */
export interface LockEntry {
  name?: string
  version?: string
  license?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** A package-lock.json: `packages` keyed by install path, `''` being the project itself. */
export interface LockFile {
  packages: Record<string, LockEntry>
}

/** One package checked. */
export interface Checked {
  path: string
  name: string
  version: string
  license: string
  ok: boolean
}

/** Copyleft licence families, strong and weak, by SPDX id prefix. */
const COPYLEFT =
  /^(AGPL|GPL|LGPL|SSPL|EUPL|MPL|EPL|CDDL|OSL|CPAL|RPL|QPL|Sleepycat|CC-BY-SA|CC-BY-NC)/i

/** True for an SPDX expression a user may take under a non-copyleft licence. */
export function permissive(expression: string): boolean {
  const alternatives = expression.replace(/[()]/g, ' ').split(/\s+OR\s+/i)
  return alternatives.some((alt) => {
    const ids = alt
      .split(/\s+AND\s+/i)
      .map((s) => s.trim())
      .filter(Boolean)
    return (
      ids.length > 0 &&
      ids.every((id) => !COPYLEFT.test(id) && !/^(UNLICENSED|SEE LICENSE)/i.test(id))
    )
  })
}

/** Where Node would find `name` from the package installed at `from` (nearest node_modules up). */
function resolve(lock: LockFile, from: string, name: string): string | undefined {
  let dir = from
  for (;;) {
    const path = `${dir ? `${dir}/` : ''}node_modules/${name}`
    if (lock.packages[path]) return path
    if (!dir) return undefined
    const cut = dir.lastIndexOf('/node_modules/')
    dir = cut < 0 ? '' : dir.slice(0, cut)
  }
}

/**
 * Walks the run-time tree from the project's dependencies and peer dependencies (optional or
 * not) and checks each package's licence. Peers a package declares are followed when they are
 * in the lock file (installed here), since a user installing that package gets them too.
 *
 * @example
 * const checked = checkLicences(lock)
 * const bad = checked.filter((c) => !c.ok)
 */
export function checkLicences(lock: LockFile): Checked[] {
  const root = lock.packages['']
  if (!root) throw new Error('package-lock.json has no root package entry')
  const seen = new Map<string, Checked>()
  const queue: Array<[from: string, name: string]> = []
  const enqueue = (from: string, entry: LockEntry) => {
    for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) {
      for (const name of Object.keys(deps ?? {})) queue.push([from, name])
    }
  }
  enqueue('', root)
  while (queue.length > 0) {
    const [from, name] = queue.shift()!
    const path = resolve(lock, from, name)
    if (!path || seen.has(path)) continue
    const entry = lock.packages[path]!
    const license = entry.license ?? '(none)'
    seen.set(path, {
      path,
      name: entry.name ?? name,
      version: entry.version ?? '?',
      license,
      ok: entry.license !== undefined && permissive(license),
    })
    enqueue(path, entry)
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path))
}

function main(): number {
  const file = fileURLToPath(new URL('../package-lock.json', import.meta.url))
  const checked = checkLicences(JSON.parse(readFileSync(file, 'utf8')) as LockFile)
  for (const c of checked) {
    console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}@${c.version} ${c.license}`)
  }
  const bad = checked.filter((c) => !c.ok)
  console.log(
    `licences: ${checked.length} run-time packages checked (dependencies and optional peer dependencies, transitively), ${bad.length} copyleft or unknown`,
  )
  return bad.length === 0 ? 0 : 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main()

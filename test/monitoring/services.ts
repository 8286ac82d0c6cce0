/**
 * Runs `probe`; when the service is missing, fails under `CI=true` and otherwise skips the
 * suite with a loud notice (returns null).
 */
export async function service<T>(name: string, probe: () => Promise<T>): Promise<T | null> {
  try {
    return await probe()
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true: ${why}`)
    console.warn(`\n!!! ${name} is not reachable (${why}): its monitoring suite is SKIPPED !!!\n`)
    return null
  }
}

/** A name unique to this test run, for tables and stream keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
}

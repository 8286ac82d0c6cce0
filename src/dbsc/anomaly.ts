// The stolen-cookie signal without the flood: a thief replaying a bound session's cookie
// without its bound cookie (or failing refreshes with it) would otherwise write one event per
// request into the audit store. The first one per session, type and reason per window goes out
// at once; the rest are counted, and the count rides on the next one that goes out.

/** How long after an emitted anomaly the same session's same anomaly is only counted. */
export const ANOMALY_WINDOW_MS = 60_000
/** Sessions remembered at most, per process (oldest forgotten first). */
const MAX_ENTRIES = 10_000

interface Open {
  until: number
  suppressed: number
}

/**
 * Decides which repeated events go out. Per process: with several processes, each lets its
 * own first one through.
 *
 * @example
 * const reason = gate.pass(`${record.handle}\nsession_anomaly`, 'dbsc_missing', now)
 * if (reason !== null) emit(…, reason)
 */
export class AnomalyGate {
  readonly #open = new Map<string, Open>()

  constructor(
    readonly windowMs = ANOMALY_WINDOW_MS,
    readonly maxEntries = MAX_ENTRIES,
  ) {}

  /**
   * One more event about `subject` (the session's handle and the event type) with `reason`.
   * Returns the reason to emit now — `reason` itself, or `reason:suppressed=<n>` when `n` more
   * were counted since the last one went out — or null when this one is only counted.
   */
  pass(subject: string, reason: string, now: number): string | null {
    const key = `${subject}\n${reason}`
    const open = this.#open.get(key)
    if (open !== undefined && now < open.until) {
      open.suppressed++
      return null
    }
    const suppressed = open?.suppressed ?? 0
    // Re-inserted so the map's order stays oldest-emitted first.
    this.#open.delete(key)
    if (this.#open.size >= this.maxEntries) {
      const oldest = this.#open.keys().next().value
      if (oldest !== undefined) this.#open.delete(oldest)
    }
    this.#open.set(key, { until: now + this.windowMs, suppressed: 0 })
    return suppressed > 0 ? `${reason}:suppressed=${suppressed}` : reason
  }
}

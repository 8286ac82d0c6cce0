/**
 * Live authenticated sessions as this process has seen them: handle → deadline (ms). Kept up to
 * date from events (created, renewed, ended) and from each committed request, and swept when
 * read, so sessions that silently time out stop counting by their idle deadline.
 *
 * @example
 * const active = new ActiveSessions(1_800_000, 1_000_000)
 * active.seen('h1', Date.now(), Date.now() + 43_200_000)
 * active.count(Date.now()) // 1
 */
export class ActiveSessions {
  readonly #deadlines = new Map<string, number>()
  readonly #idleMs: number
  readonly #max: number

  constructor(idleMs: number, max: number) {
    this.#idleMs = idleMs
    this.#max = max
  }

  /** The session `handle` was alive at `now`; it lives until idle or `absoluteMs`. */
  seen(handle: string, now: number, absoluteMs = Number.POSITIVE_INFINITY): void {
    const deadline = Math.min(now + this.#idleMs, absoluteMs)
    // Bounded: past `max` new sessions are not tracked (the gauge becomes a lower bound).
    if (this.#deadlines.size >= this.#max && !this.#deadlines.has(handle)) return
    this.#deadlines.set(handle, deadline)
  }

  /** The session `handle` ended. */
  ended(handle: string): void {
    this.#deadlines.delete(handle)
  }

  /** Drops sessions past their deadline and returns how many remain. */
  count(now: number): number {
    for (const [handle, deadline] of this.#deadlines)
      if (deadline <= now) this.#deadlines.delete(handle)
    return this.#deadlines.size
  }
}

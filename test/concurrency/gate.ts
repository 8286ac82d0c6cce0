import type { Scheduler } from 'fast-check'

/**
 * Turns fast-check's scheduler into the only source of ordering between concurrent "requests":
 * every store call waits for the scheduler to release it, and released calls reach the real
 * backend one at a time, in release order. A schedule is then a pure function of the
 * scheduler's choices (network timing cannot reorder two calls), so a failing interleaving
 * replays and shrinks.
 *
 * @example
 * const gate = new Gate(s)
 * const record = await gate.call('get b0', () => store.get(id))
 */
export class Gate {
  readonly #s: Scheduler
  readonly #overlap: boolean
  // The real call in flight, if any: the next released call waits for it.
  #tail: Promise<unknown> = Promise.resolve()
  #inFlight = 0
  // Requests running, and requests waiting at a gate.
  #live = 0
  #parked = 0

  /**
   * With `overlap`, released calls reach the backend at once, several in flight together: the
   * store's own atomicity is then raced too (a transaction against a concurrent delete), at
   * the price of schedules that depend on network timing (a counterexample may not replay).
   */
  constructor(s: Scheduler, overlap = false) {
    this.#s = s
    this.#overlap = overlap
  }

  /** Suspends until the scheduler releases `label` (a request's arrival, say). */
  async pause(label: string): Promise<void> {
    this.#parked++
    try {
      await this.#s.schedule(Promise.resolve(), label)
    } finally {
      this.#parked--
    }
  }

  /**
   * Runs `fn` as one request (a chain of awaits): the scheduler picks its next task only once
   * every running request is parked at a gate or finished, so work between gates that is not
   * a store call (signing a token, say) cannot decide the order either.
   */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.#live++
    try {
      return await fn()
    } finally {
      this.#live--
    }
  }

  /** Awaits another tracked request from inside one (the waiting one is not running meanwhile). */
  async join<T>(other: Promise<T>): Promise<T> {
    this.#live--
    try {
      return await other
    } finally {
      this.#live++
    }
  }

  /** Runs `fn` against the backend once the scheduler releases `label`. */
  async call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    await this.pause(label)
    if (this.#overlap) return fn()
    this.#inFlight++
    const run = this.#tail.then(fn)
    this.#tail = run.then(
      () => this.#done(),
      () => this.#done(),
    )
    return run
  }

  #done(): void {
    this.#inFlight--
  }

  /**
   * The scheduler's `act`: after releasing one task, wait until every real call it started has
   * returned and the requests have run up to their next gate, so the set of tasks the scheduler
   * picks from next never depends on network timing.
   */
  readonly act = async (release: () => Promise<unknown>): Promise<void> => {
    await release()
    // Let the released request reach its real call, then wait for the call; the scheduler
    // itself then lets continuations (microtask work) run up to their next gate.
    for (let i = 0; i < 10; i++) await Promise.resolve()
    if (this.#overlap) return
    // Bounded: a request stuck outside any gate would otherwise stall the schedule.
    for (let spin = 0; spin < 10_000; spin++) {
      if (this.#inFlight > 0) await this.#tail
      else if (this.#parked < this.#live) await new Promise((r) => setImmediate(r))
      else return
    }
  }
}

import { configAssert, TesseraError } from '../core/errors.js'
import { assertKnownKeys } from '../internal/strict.js'

/** Options of {@link WorkGate}. */
export interface WorkGateOptions {
  /** Tasks running at once (e.g. one per password-hashing worker). */
  concurrency: number
  /**
   * Of the `concurrency` places, how many only priority tasks may take (e.g. a hashing worker
   * kept for known devices), so that a flood of others never makes a priority task wait for a
   * running one. Other tasks start only while fewer than `concurrency - reserved` tasks run in
   * all: while a priority task runs in a reserved place, they hold back, so the work in flight
   * (the CPU it takes) stays at `concurrency - reserved` but for the moment a priority task
   * arrives. Default 0; at most `concurrency - 1`.
   */
  reserved?: number
  /** Tasks allowed to wait; past this, more are refused at once. Default `concurrency`. */
  queue?: number
  /** Extra waiting places kept for priority tasks (known devices). Default `queue`. */
  priorityQueue?: number
}

interface Waiter {
  start: () => void
}

/**
 * The refusal. It is flow control, not a fault, so it carries no stack trace: under a flood,
 * capturing one per refused try was a sizeable share of the event loop's work.
 */
function busy(): TesseraError {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new TesseraError('ERR_TOO_MANY_REQUESTS', 'too many sign-ins in progress', {
      status: 503,
    })
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * A semaphore with a short, bounded queue for costly work such as password hashing: at most
 * `concurrency` tasks run, a few wait, and the rest are refused at once with
 * `ERR_TOO_MANY_REQUESTS` (status 503, `retryAfterSec`) instead of queueing for seconds behind
 * a flood. Priority tasks (a known device signing in) wait ahead of the others, have waiting
 * places of their own and may have `reserved` running places too, so a flood of strangers can
 * neither fill the queue in front of them nor hold every place they could run in.
 *
 * @example
 * const gate = new WorkGate({ concurrency: 2, reserved: 1, queue: 4 })
 * const ok = await gate.run(() => hasher.verify(password, stored), attempt.trusted)
 */
export class WorkGate {
  readonly #concurrency: number
  readonly #shared: number
  readonly #queue: number
  readonly #priorityQueue: number
  readonly #normal: Waiter[] = []
  readonly #priority: Waiter[] = []
  #running = 0

  constructor(options: WorkGateOptions) {
    assertKnownKeys(options, ['concurrency', 'reserved', 'queue', 'priorityQueue'], 'WorkGate')
    const { concurrency, reserved = 0, queue = concurrency, priorityQueue = queue } = options
    const ok = (n: unknown, min: number) => Number.isInteger(n) && (n as number) >= min
    configAssert(ok(concurrency, 1), 'WorkGate concurrency must be an integer of at least 1')
    configAssert(
      ok(reserved, 0) && reserved < concurrency,
      'WorkGate reserved must be an integer from 0 to concurrency - 1 (others need a place too)',
    )
    configAssert(ok(queue, 0), 'WorkGate queue must be an integer of at least 0')
    configAssert(ok(priorityQueue, 0), 'WorkGate priorityQueue must be an integer of at least 0')
    this.#concurrency = concurrency
    this.#shared = concurrency - reserved
    this.#queue = queue
    this.#priorityQueue = priorityQueue
  }

  /** Tasks running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#normal.length + this.#priority.length }
  }

  /**
   * True when a task of this kind would be refused now (no place to run, its line full): lets
   * a caller refuse before it does any work for the task (say, counting a login try).
   */
  full(priority = false): boolean {
    if (this.#canStart(priority)) return false
    const line = priority ? this.#priority : this.#normal
    return line.length >= (priority ? this.#priorityQueue : this.#queue)
  }

  /** Runs `task` when a place is free; refuses at once when the queue is full. */
  async run<T>(task: () => Promise<T>, priority = false): Promise<T> {
    if (this.#canStart(priority)) this.#running++
    else {
      const line = priority ? this.#priority : this.#normal
      if (line.length >= (priority ? this.#priorityQueue : this.#queue)) throw busy()
      // The place is taken for the waiter by #pump, before it is woken.
      await new Promise<void>((start) => line.push({ start }))
    }
    try {
      return await task()
    } finally {
      this.#running--
      this.#pump()
    }
  }

  #canStart(priority: boolean): boolean {
    if (this.#running >= this.#concurrency) return false
    // Waiters go first: a newcomer must not overtake the line it would have joined.
    if (priority) return this.#priority.length === 0
    return this.#running < this.#shared && this.#normal.length === 0
  }

  /** Starts waiters while places are free: priority first, others within the shared places. */
  #pump(): void {
    while (this.#running < this.#concurrency) {
      const next =
        this.#priority.shift() ?? (this.#running < this.#shared ? this.#normal.shift() : undefined)
      if (!next) return
      this.#running++
      next.start()
    }
  }
}

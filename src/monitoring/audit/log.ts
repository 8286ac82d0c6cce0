import { type Clock, systemClock } from '../../core/clock.js'
import { type Duration, parseDuration } from '../../core/duration.js'
import type { EventListener, SessionEvent } from '../../core/events.js'
import { cleanEvent } from '../sanitize.js'
import { type AddressCapOptions, AddressCaps } from './caps.js'
import { auditKind, isAnonymousLifecycle } from './kind.js'
import type { AuditBackend, AuditQuery, AuditRecord } from './types.js'
import { assertKnownKeys, optionKeys, refuseTinyDuration } from '../../internal/strict.js'

/** Options of {@link auditLog}. */
export interface AuditLogOptions {
  /** How long lifecycle events (level `info`) are kept. Default `90d`. */
  retention?: Duration | undefined
  /**
   * How long security events (levels `warn` and `critical`) are kept. Default `365d`. They are
   * stored apart from lifecycle events, with their own caps, so lifecycle volume never evicts them.
   */
  securityRetention?: Duration | undefined
  /**
   * Per-address caps on writes (see {@link AddressCaps}): default 120 records of each kind per
   * address per minute, the excess summarised in one record. `false` writes everything.
   */
  perAddress?: { limit?: number; window?: Duration; maxAddresses?: number } | false | undefined
  /** Events written per backend call. Default 100. */
  batchSize?: number | undefined
  /** Longest an event waits in memory before it is written. Default `1s`. */
  flushInterval?: Duration | undefined
  /** Events held while the backend is slow or down; beyond it the oldest are dropped. Default 10 000. */
  maxQueue?: number | undefined
  /** How often old events are pruned. Default `1h`. */
  pruneInterval?: Duration | undefined
  /** Source of "now" for retention. Default the system clock. */
  clock?: Clock | undefined
  /** Told about backend failures (once per outage). Default: one line on stderr. */
  onError?: ((error: unknown) => void) | undefined
}

/** Counters an operator can watch. */
export interface AuditStats {
  written: number
  dropped: number
  failures: number
  queued: number
  /** Records not written because their address was over its cap (summarised instead). */
  capped: number
}

/**
 * The persistent audit trail: events are queued in memory by a synchronous listener (nothing
 * happens on the request path but an array push) and written in batches by a timer. A backend
 * outage never reaches a request: batches are retried, and the oldest events are dropped (and
 * counted) only when the queue is full.
 *
 * @example
 * const audit = auditLog(sqliteAudit({ path: 'data/tessera.db' }), { retention: '30d' })
 * sessions.on(audit.listener)
 * await audit.query({ userId: 'u1', type: 'authn_login_fail', limit: 20 })
 */
export class AuditLog {
  readonly backend: AuditBackend
  /** Subscribe this to `sessions.on(...)`. */
  readonly listener: EventListener
  readonly #clock: Clock
  readonly #retentionMs: number
  readonly #securityRetentionMs: number
  readonly #caps: AddressCaps | null
  readonly #capWindowMs: number
  #capTimer: ReturnType<typeof setTimeout> | null = null
  readonly #batch: number
  readonly #intervalMs: number
  readonly #maxQueue: number
  readonly #onError: (error: unknown) => void
  #queue: SessionEvent[] = []
  #timer: ReturnType<typeof setTimeout> | null = null
  #pruner: ReturnType<typeof setInterval> | null = null
  #flushing: Promise<void> = Promise.resolve()
  #failing = false
  #closed = false
  readonly #stats = { written: 0, dropped: 0, failures: 0 }

  constructor(backend: AuditBackend, options: AuditLogOptions = {}) {
    this.backend = backend
    assertKnownKeys(options, AUDIT_LOG_KEYS, 'auditLog()')
    refuseTinyDuration(options.retention, 'audit retention', 60_000)
    refuseTinyDuration(options.securityRetention, 'audit securityRetention', 60_000)
    this.#clock = options.clock ?? systemClock
    this.#retentionMs = parseDuration(options.retention ?? '90d', 'audit retention')
    this.#securityRetentionMs = parseDuration(
      options.securityRetention ?? '365d',
      'audit securityRetention',
    )
    const caps = options.perAddress === false ? null : capOptions(options.perAddress)
    this.#caps = caps ? new AddressCaps(caps) : null
    this.#capWindowMs = caps?.windowMs ?? 0
    this.#batch = Math.max(1, options.batchSize ?? 100)
    this.#intervalMs = parseDuration(options.flushInterval ?? '1s', 'audit flushInterval')
    this.#maxQueue = Math.max(this.#batch, options.maxQueue ?? 10_000)
    this.#onError =
      options.onError ??
      ((error) =>
        console.error(
          'tessera: audit log backend failed; events are queued and retried:',
          error instanceof Error ? error.message : error,
        ))
    this.listener = (event) => this.record(event)
    const pruneMs = parseDuration(options.pruneInterval ?? '1h', 'audit pruneInterval')
    this.#pruner = setInterval(() => void this.prune().catch(() => {}), pruneMs)
    this.#pruner.unref?.()
  }

  /**
   * Queues one event (cleaned of control characters). Never throws, never awaits. Routine
   * events of anonymous sessions are not kept, and an address over its cap is counted instead.
   */
  record(event: SessionEvent): void {
    if (this.#closed || isAnonymousLifecycle(event)) return
    let e = cleanEvent(event)
    // Backends index by time: an unparsable app-supplied timestamp becomes "now".
    if (Number.isNaN(Date.parse(e.time)))
      e = { ...e, time: new Date(this.#clock.now()).toISOString() }
    const caps = this.#caps
    if (caps !== null) {
      this.#rollCaps()
      if (!caps.admit(e, auditKind(e))) {
        this.#expectSummary()
        return
      }
    }
    this.#push(e)
  }

  #push(e: SessionEvent): void {
    this.#queue.push(e)
    if (this.#queue.length > this.#maxQueue) {
      this.#queue.shift()
      this.#stats.dropped++
    }
    if (this.#queue.length >= this.#batch) this.#schedule(0)
    else this.#schedule(this.#intervalMs)
  }

  // Queues the summaries of a finished cap window.
  #rollCaps(): void {
    const caps = this.#caps
    if (caps === null) return
    const now = this.#clock.now()
    if (!caps.due(now)) return
    for (const summary of caps.roll(now)) this.#push(summary)
  }

  // Something was capped: make sure its summary is written even if nothing else comes.
  #expectSummary(): void {
    if (this.#capTimer !== null || this.#closed) return
    this.#capTimer = setTimeout(() => {
      this.#capTimer = null
      void this.flush()
    }, this.#capWindowMs)
    this.#capTimer.unref?.()
  }

  #schedule(ms: number): void {
    if (this.#timer) {
      if (ms > 0) return
      clearTimeout(this.#timer)
    }
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.flush()
    }, ms)
    this.#timer.unref?.()
  }

  /** Writes everything queued so far; resolves when done (or when the backend failed). */
  flush(): Promise<void> {
    this.#rollCaps()
    this.#flushing = this.#flushing.then(() => this.#drain())
    return this.#flushing
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#batch)
      try {
        await this.backend.append(batch)
      } catch (error) {
        this.#stats.failures++
        if (!this.#failing) {
          this.#failing = true
          this.#onError(error)
        }
        // Keep the batch queued (it is still at the head) and retry on the next tick.
        if (!this.#closed) this.#schedule(this.#intervalMs)
        return
      }
      this.#failing = false
      // Events recorded meanwhile were pushed behind the batch; the head is still ours.
      this.#queue.splice(0, batch.length)
      this.#stats.written += batch.length
    }
  }

  /** Events matching `query`, newest first. Flushes first, so a caller sees its own events. */
  async query(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.flush()
    return this.backend.query(query)
  }

  /**
   * Deletes events older than their kind's retention period (and, where the backend caps rows,
   * the oldest beyond the cap of each kind); returns how many.
   */
  async prune(): Promise<number> {
    const now = this.#clock.now()
    const lifecycle = await this.backend.prune(now - this.#retentionMs, 'lifecycle')
    return lifecycle + (await this.backend.prune(now - this.#securityRetentionMs, 'security'))
  }

  /** Written, dropped, failed and queued counts. */
  get stats(): AuditStats {
    return { ...this.#stats, queued: this.#queue.length, capped: this.#caps?.dropped ?? 0 }
  }

  /** Flushes what is queued, stops the timers and closes the backend. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#pruner) clearInterval(this.#pruner)
    if (this.#capTimer) clearTimeout(this.#capTimer)
    // Summaries of the unfinished window are written now rather than lost.
    for (const summary of this.#caps?.roll(this.#clock.now(), true) ?? []) this.#push(summary)
    this.#closed = true
    await this.flush()
    await this.backend.close()
  }
}

/**
 * Creates an {@link AuditLog} over a backend (memory, SQLite, PostgreSQL, Redis).
 *
 * @example
 * const audit = auditLog(memoryAudit())
 * sessions.on(audit.listener)
 */
export function auditLog(backend: AuditBackend, options: AuditLogOptions = {}): AuditLog {
  return new AuditLog(backend, options)
}

const AUDIT_LOG_KEYS = optionKeys<AuditLogOptions>({
  retention: true,
  securityRetention: true,
  perAddress: true,
  batchSize: true,
  flushInterval: true,
  maxQueue: true,
  pruneInterval: true,
  clock: true,
  onError: true,
})

function capOptions(
  o: { limit?: number; window?: Duration; maxAddresses?: number } | undefined,
): AddressCapOptions {
  assertKnownKeys(o, ['limit', 'window', 'maxAddresses'], 'auditLog() perAddress')
  refuseTinyDuration(o?.window, 'audit perAddress.window', 1000)
  return {
    limit: o?.limit,
    windowMs: parseDuration(o?.window ?? '1m', 'audit perAddress.window'),
    maxAddresses: o?.maxAddresses,
  }
}

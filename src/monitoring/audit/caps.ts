import type { SessionEvent } from '../../core/events.js'
import { type AuditKind, auditKind } from './kind.js'
import { assertKnownKeys } from '../../internal/strict.js'

/** Options of {@link AddressCaps}. */
export interface AddressCapOptions {
  /** Records of one kind kept per address per window. Default 120. */
  limit?: number | undefined
  /** The window, in milliseconds. Default 60 000. */
  windowMs?: number | undefined
  /**
   * Addresses tracked per window. Beyond it, new addresses share one budget, so a sender
   * rotating addresses (an IPv6 prefix) cannot grow the table. Default 10 000.
   */
  maxAddresses?: number | undefined
}

// The shared budget of addresses beyond `maxAddresses`.
const OVERFLOW = '*'

class Counter {
  lifecycle = 0
  security = 0
  droppedLifecycle = 0
  droppedSecurity = 0
}

/**
 * Per-address caps on audit writes, in fixed windows: beyond `limit` records of a kind from one
 * address in a window, records are counted instead of written, and when the window closes one
 * `session_anomaly` record (level `warn`, reason `audit_capped:<kind>:<count>`) says how many
 * were dropped. One sender can thus add at most `limit` records per kind per window, whatever
 * it sends. Events without an address (store notices, sweeps) are never capped.
 *
 * @example
 * const caps = new AddressCaps({ limit: 60 })
 * if (caps.admit(event, now)) queue.push(event)
 * for (const summary of caps.roll(now)) queue.push(summary)
 */
export class AddressCaps {
  readonly #limit: number
  readonly #windowMs: number
  readonly #maxAddresses: number
  #counters = new Map<string, Counter>()
  #windowStart = Number.NEGATIVE_INFINITY
  #dropped = 0

  constructor(options: AddressCapOptions = {}) {
    assertKnownKeys(options, ['limit', 'windowMs', 'maxAddresses'], 'AddressCaps')
    this.#limit = Math.max(1, Math.floor(options.limit ?? 120))
    this.#windowMs = Math.max(1, options.windowMs ?? 60_000)
    this.#maxAddresses = Math.max(1, Math.floor(options.maxAddresses ?? 10_000))
  }

  /** Records dropped since the start (summaries excepted). */
  get dropped(): number {
    return this.#dropped
  }

  /** True when the current window is over (its summaries are due). */
  due(now: number): boolean {
    return now - this.#windowStart >= this.#windowMs
  }

  /** True when `event` may be written; false when it was counted against its address instead. */
  admit(event: SessionEvent, kind: AuditKind = auditKind(event)): boolean {
    const ip = event.ip
    if (ip === undefined || ip === '') return true
    let c = this.#counters.get(ip)
    if (c === undefined) {
      const key = this.#counters.size >= this.#maxAddresses ? OVERFLOW : ip
      c = this.#counters.get(key)
      if (c === undefined) {
        c = new Counter()
        this.#counters.set(key, c)
      }
    }
    if (kind === 'lifecycle') {
      if (c.lifecycle < this.#limit) {
        c.lifecycle++
        return true
      }
      c.droppedLifecycle++
    } else {
      if (c.security < this.#limit) {
        c.security++
        return true
      }
      c.droppedSecurity++
    }
    this.#dropped++
    return false
  }

  /**
   * Closes the window when it is over, or at once when `force` (a new one starts at `now`), and
   * returns one summary record per address and kind that went over its cap.
   */
  roll(now: number, force = false): SessionEvent[] {
    if (!force && !this.due(now)) return []
    const out: SessionEvent[] = []
    const time = new Date(now).toISOString()
    for (const [ip, c] of this.#counters) {
      const address = ip === OVERFLOW ? undefined : ip
      if (c.droppedLifecycle > 0) out.push(summary(address, 'lifecycle', c.droppedLifecycle, time))
      if (c.droppedSecurity > 0) out.push(summary(address, 'security', c.droppedSecurity, time))
    }
    this.#counters = new Map()
    this.#windowStart = now
    return out
  }
}

function summary(
  ip: string | undefined,
  kind: AuditKind,
  count: number,
  time: string,
): SessionEvent {
  const e: SessionEvent = {
    type: 'session_anomaly',
    level: 'warn',
    time,
    userId: null,
    handle: null,
    reason: `audit_capped:${kind}:${count}`,
  }
  if (ip !== undefined) e.ip = ip
  return e
}

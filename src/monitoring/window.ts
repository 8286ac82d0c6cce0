import { Lru } from './lru.js'

interface Slot {
  start: number
  current: number
  previous: number
  blocked: boolean
}

/**
 * Per-key sliding-window counters in bounded memory: two fixed windows per key, the previous
 * one weighted by how much of it still overlaps the sliding window (the classic approximation:
 * O(1) memory per key, no timestamp lists).
 *
 * @example
 * const w = new SlidingWindow(60_000, 10_000)
 * w.hit('203.0.113.7', now)
 * w.rate('203.0.113.7', now) // ≈ 1
 */
export class SlidingWindow {
  readonly #slots: Lru<string, Slot>
  readonly #windowMs: number

  constructor(windowMs: number, maxKeys: number) {
    this.#windowMs = windowMs
    this.#slots = new Lru(maxKeys)
  }

  #roll(slot: Slot, now: number): void {
    const elapsed = now - slot.start
    if (elapsed < this.#windowMs) return
    slot.previous = elapsed < 2 * this.#windowMs ? slot.current : 0
    slot.current = 0
    slot.start = now - (elapsed % this.#windowMs)
  }

  /** Counts one hit for `key` at `now` (ms). */
  hit(key: string, now: number): void {
    let slot = this.#slots.get(key)
    if (!slot) {
      slot = { start: now, current: 0, previous: 0, blocked: false }
      this.#slots.set(key, slot)
    }
    this.#roll(slot, now)
    slot.current++
  }

  /** Estimated hits of `key` during the last window; 0 for unknown keys (no allocation). */
  rate(key: string, now: number): number {
    const slot = this.#slots.peek(key)
    if (!slot) return 0
    this.#roll(slot, now)
    const overlap = 1 - (now - slot.start) / this.#windowMs
    return slot.current + slot.previous * Math.max(0, overlap)
  }

  /** Flags `key` as blocked; returns true only on the transition (to report it once). */
  block(key: string): boolean {
    const slot = this.#slots.peek(key)
    if (!slot || slot.blocked) return false
    slot.blocked = true
    return true
  }

  /** Clears the blocked flag of `key`. */
  unblock(key: string): void {
    const slot = this.#slots.peek(key)
    if (slot) slot.blocked = false
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.#slots.size
  }
}

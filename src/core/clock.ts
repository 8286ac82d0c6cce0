/**
 * The source of "now" for every deadline Tessera computes. Inject a fake one in tests instead
 * of sleeping.
 *
 * @example
 * let t = Date.UTC(2026, 0, 1)
 * const clock: Clock = { now: () => t }
 * t += 31 * 60_000 // a session with a 30-minute idle timeout is now expired
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/** The wall clock. */
export const systemClock: Clock = { now: Date.now }

/**
 * A clock that only moves when told to; for tests.
 *
 * @example
 * const clock = manualClock()
 * clock.advance(60_000)
 */
export function manualClock(start = Date.UTC(2026, 0, 1)): Clock & {
  advance(ms: number): void
  set(ms: number): void
} {
  let now = start
  return {
    now: () => now,
    advance: (ms) => {
      now += ms
    },
    set: (ms) => {
      now = ms
    },
  }
}

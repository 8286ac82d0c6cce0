import fc from 'fast-check'
import { checkInvariants } from './check.js'
import { type Op, opLabel, perform } from './requests.js'
import { LIMITS, type World } from './world.js'

/** Nothing to model beyond what the world records as it runs. */
export type NoModel = object

/**
 * One step: the clock moves (maybe), then its requests run concurrently, every store call
 * released by the scheduler, and the invariants are checked once all have answered.
 */
export class Step implements fc.AsyncCommand<NoModel, World> {
  constructor(
    readonly ops: readonly Op[],
    readonly advanceMs: number,
  ) {}

  check(): boolean {
    return true
  }

  async run(_m: NoModel, w: World): Promise<void> {
    if (this.advanceMs > 0) {
      w.clock.advance(this.advanceMs)
      await checkInvariants(w, `after ${this.#advance()}`)
    }
    const requests = Promise.allSettled(this.ops.map((op) => perform(w, op)))
    const results = await w.s.waitFor(requests, w.gate.act)
    for (const r of results) if (r.status === 'rejected') throw r.reason
    await checkInvariants(w, `after step ${this.toString()}`)
  }

  #advance(): string {
    const ms = this.advanceMs
    return ms >= 60_000 ? `+${Math.round(ms / 6000) / 10}m` : `+${ms / 1000}s`
  }

  toString(): string {
    const ops = `[${this.ops.map(opLabel).join(' | ')}]`
    return this.advanceMs > 0 ? `${this.#advance()} ${ops}` : ops
  }
}

const browserOp: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('browser' as const),
  browser: fc.nat(3),
  action: fc.oneof(
    { weight: 5, arbitrary: fc.constant('login' as const) },
    { weight: 4, arbitrary: fc.constant('read' as const) },
    { weight: 4, arbitrary: fc.constant('write' as const) },
    { weight: 2, arbitrary: fc.constant('reauth' as const) },
    { weight: 1, arbitrary: fc.constant('logout' as const) },
    { weight: 2, arbitrary: fc.constant('revokeOne' as const) },
    { weight: 2, arbitrary: fc.constant('password' as const) },
  ),
  key: fc.constantFrom('k0' as const, 'k1' as const),
  pick: fc.nat(3),
})

const adminOp: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('revokeAll' as const),
  user: fc.nat(1),
})

const clientOp: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('client' as const),
  client: fc.nat(1),
  action: fc.oneof(
    { weight: 1, arbitrary: fc.constant('tokenLogin' as const) },
    { weight: 2, arbitrary: fc.constant('refresh' as const) },
    { weight: 2, arbitrary: fc.constant('refreshRace' as const) },
  ),
})

const op = fc.oneof(
  { weight: 12, arbitrary: browserOp },
  { weight: 1, arbitrary: adminOp },
  { weight: 4, arbitrary: clientOp },
)

// Clock moves: none, a second, past the grace window, past the renewal interval, a long idle
// stretch still inside the idle timeout, and past the idle timeout.
const advance = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(1000) },
  { weight: 1, arbitrary: fc.constant(LIMITS.graceMs + 5000) },
  { weight: 3, arbitrary: fc.constant(LIMITS.renewalMs + 1000) },
  { weight: 1, arbitrary: fc.constant(LIMITS.idleMs - 5 * 60_000) },
  { weight: 1, arbitrary: fc.constant(LIMITS.idleMs + 1000) },
)

/**
 * Schedules: up to `maxSteps` steps of one to three concurrent requests each.
 *
 * @example
 * fc.asyncModelRun(setup, commands)
 */
export function steps(maxSteps: number): fc.Arbitrary<Iterable<fc.AsyncCommand<NoModel, World>>> {
  const step = fc
    .tuple(fc.array(op, { minLength: 1, maxLength: 3 }), advance)
    .map(([ops, ms]) => new Step(ops, ms))
  return fc.commands([step], { maxCommands: maxSteps })
}

import { describe, expect, it } from 'vitest'
import { TesseraError } from '../core/errors.js'
import { WorkGate } from './gate.js'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('WorkGate', () => {
  it('runs at most `concurrency` tasks, queues `queue` more and refuses the rest at once', async () => {
    const gate = new WorkGate({ concurrency: 2, queue: 1, priorityQueue: 1 })
    const block = deferred()
    let started = 0
    const task = () =>
      gate.run(async () => {
        started++
        await block.promise
      })
    const running = [task(), task(), task()]
    await Promise.resolve()
    expect(started).toBe(2)
    expect(gate.load).toEqual({ running: 2, waiting: 1 })
    const refused = await task().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(TesseraError)
    expect((refused as TesseraError).code).toBe('ERR_TOO_MANY_REQUESTS')
    expect((refused as TesseraError).status).toBe(503)
    block.resolve()
    await Promise.all(running)
    expect(started).toBe(3)
    expect(gate.load).toEqual({ running: 0, waiting: 0 })
  })

  it('starts priority tasks before those that waited longer, in places of their own', async () => {
    const gate = new WorkGate({ concurrency: 1, queue: 2, priorityQueue: 1 })
    const block = deferred()
    const order: string[] = []
    const run = (name: string, priority = false) =>
      gate.run(async () => {
        order.push(name)
        if (name === 'first') await block.promise
      }, priority)
    const all = [run('first'), run('stranger-1'), run('stranger-2'), run('known', true)]
    // The normal queue is full; the priority place is taken too.
    await expect(run('stranger-3')).rejects.toThrow(TesseraError)
    await expect(run('known-2', true)).rejects.toThrow(TesseraError)
    block.resolve()
    await Promise.all(all)
    expect(order).toEqual(['first', 'known', 'stranger-1', 'stranger-2'])
  })

  it('keeps reserved places for priority tasks: a flood of others never holds them', async () => {
    const gate = new WorkGate({ concurrency: 2, reserved: 1, queue: 2, priorityQueue: 1 })
    const block = deferred()
    const order: string[] = []
    const run = (name: string, priority = false) =>
      gate.run(async () => {
        order.push(name)
        await block.promise
      }, priority)
    const strangers = [run('stranger-1'), run('stranger-2'), run('stranger-3')]
    await Promise.resolve()
    // One shared place: the other strangers wait although a place is free.
    expect(order).toEqual(['stranger-1'])
    expect(gate.load).toEqual({ running: 1, waiting: 2 })
    await expect(run('stranger-4')).rejects.toThrow(TesseraError)
    // A known device starts at once in the reserved place, without waiting for stranger-1.
    const known = run('known', true)
    await Promise.resolve()
    expect(order).toEqual(['stranger-1', 'known'])
    expect(gate.load).toEqual({ running: 2, waiting: 2 })
    block.resolve()
    await Promise.all([...strangers, known])
    expect(order).toEqual(['stranger-1', 'known', 'stranger-2', 'stranger-3'])
    expect(gate.load).toEqual({ running: 0, waiting: 0 })
  })

  it('holds others back while a priority task runs over the shared places', async () => {
    const gate = new WorkGate({ concurrency: 2, reserved: 1, queue: 2, priorityQueue: 1 })
    const stranger = deferred()
    const known = deferred()
    const order: string[] = []
    const all = [
      gate.run(async () => {
        order.push('stranger-1')
        await stranger.promise
      }),
      gate.run(async () => {
        order.push('known')
        await known.promise
      }, true),
      gate.run(async () => void order.push('stranger-2')),
    ]
    await Promise.resolve()
    expect(order).toEqual(['stranger-1', 'known'])
    // stranger-1 ends while the known task still runs: stranger-2 waits for it, so no more
    // than one task (the shared count) hashes once the known one is alone.
    stranger.resolve()
    await new Promise(setImmediate)
    expect(order).toEqual(['stranger-1', 'known'])
    expect(gate.load).toEqual({ running: 1, waiting: 1 })
    known.resolve()
    await Promise.all(all)
    expect(order).toEqual(['stranger-1', 'known', 'stranger-2'])
  })

  it('lets priority tasks use the shared places too', async () => {
    const gate = new WorkGate({ concurrency: 2, reserved: 1, queue: 1, priorityQueue: 1 })
    const block = deferred()
    let started = 0
    const run = (priority: boolean) =>
      gate.run(async () => {
        started++
        await block.promise
      }, priority)
    const all = [run(true), run(true)]
    await Promise.resolve()
    expect(started).toBe(2)
    // Every place is taken: a stranger waits for the shared one to come free.
    all.push(run(false))
    await Promise.resolve()
    expect(gate.load).toEqual({ running: 2, waiting: 1 })
    block.resolve()
    await Promise.all(all)
    expect(started).toBe(3)
  })

  it('says when a task would be refused, per line', async () => {
    const gate = new WorkGate({ concurrency: 2, reserved: 1, queue: 1, priorityQueue: 1 })
    const block = deferred()
    const task = () => block.promise
    expect([gate.full(false), gate.full(true)]).toEqual([false, false])
    const all = [gate.run(task)]
    await Promise.resolve()
    // The shared place is taken; a stranger could still wait in line.
    expect([gate.full(false), gate.full(true)]).toEqual([false, false])
    all.push(gate.run(task))
    expect([gate.full(false), gate.full(true)]).toEqual([true, false])
    all.push(gate.run(task, true), gate.run(task, true))
    expect([gate.full(false), gate.full(true)]).toEqual([true, true])
    block.resolve()
    await Promise.all(all)
    expect([gate.full(false), gate.full(true)]).toEqual([false, false])
  })

  it('frees its place when a task throws', async () => {
    const gate = new WorkGate({ concurrency: 1, queue: 0 })
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await gate.run(async () => 42)).toBe(42)
  })

  it('refuses bad sizes with ERR_CONFIG', () => {
    expect(() => new WorkGate({ concurrency: 0 })).toThrow(/concurrency must be an integer/)
    expect(() => new WorkGate({ concurrency: 1, queue: -1 })).toThrow(/queue must be/)
    expect(() => new WorkGate({ concurrency: 1, priorityQueue: 1.5 })).toThrow(/priorityQueue/)
    expect(() => new WorkGate({ concurrency: 2, reserved: 2 })).toThrow(/reserved must be/)
    expect(() => new WorkGate({ concurrency: 2, reserved: -1 })).toThrow(/reserved must be/)
  })
})

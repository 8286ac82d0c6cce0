import { afterEach, describe, expect, it, vi } from 'vitest'
import { EventBus, type SessionEvent } from './events.js'
import { createSessions } from './manager.js'
import { memoryStore } from '../stores/memory/index.js'

const event = (type: SessionEvent['type'] = 'session_created'): SessionEvent => ({
  type,
  level: 'info',
  time: '2026-01-01T00:00:00.000Z',
  handle: 'h1',
})

const boom = () => {
  throw new Error('sink down')
}

describe('a listener that throws', () => {
  afterEach(() => vi.restoreAllMocks())

  it('does not stop the others, which then hear of it as event_listener_failed', () => {
    const bus = new EventBus({ onListenerError: () => {} })
    const before: SessionEvent[] = []
    const after: SessionEvent[] = []
    bus.on((e) => before.push(e))
    bus.on(boom)
    bus.on((e) => after.push(e))
    bus.emit(event())
    const notice = {
      type: 'event_listener_failed',
      level: 'warn',
      time: '2026-01-01T00:00:00.000Z',
      reason: 'session_created',
    }
    expect(before).toEqual([event(), notice])
    expect(after).toEqual([event(), notice])
  })

  it('gives onListenerError the error and the event it was handling, every time', () => {
    const seen: Array<[unknown, string]> = []
    const bus = new EventBus({ onListenerError: (error, e) => seen.push([error, e.type]) })
    bus.on(boom)
    bus.emit(event('session_logout'))
    bus.emit(event('session_revoked'))
    expect(seen.map(([, type]) => type)).toEqual(['session_logout', 'session_revoked'])
    expect((seen[0]![0] as Error).message).toBe('sink down')
  })

  it('cannot loop: a listener failing on the notice itself causes no second notice', () => {
    const errors: string[] = []
    const bus = new EventBus({ onListenerError: (_error, e) => errors.push(e.type) })
    const got: string[] = []
    bus.on(boom)
    bus.on((e) => {
      got.push(e.type)
      if (e.type === 'event_listener_failed') throw new Error('second sink down too')
    })
    bus.emit(event())
    expect(got).toEqual(['session_created', 'event_listener_failed'])
    expect(errors).toEqual(['session_created', 'event_listener_failed'])
  })

  it('an emitted event_listener_failed whose listener throws is not announced again', () => {
    const bus = new EventBus({ onListenerError: () => {} })
    const got: string[] = []
    bus.on(boom)
    bus.on((e) => got.push(e.type))
    bus.emit({ ...event('event_listener_failed'), level: 'warn' })
    expect(got).toEqual(['event_listener_failed'])
  })

  it('a throwing onListenerError is contained too', () => {
    const bus = new EventBus({
      onListenerError: () => {
        throw new Error('hook down')
      },
    })
    const got: string[] = []
    bus.on(boom)
    bus.on((e) => got.push(e.type))
    expect(() => bus.emit(event())).not.toThrow()
    expect(got).toEqual(['session_created', 'event_listener_failed'])
  })

  it('without a hook, writes the first error to stderr once', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const bus = new EventBus()
    bus.on(boom)
    bus.emit(event())
    bus.emit(event())
    expect(log).toHaveBeenCalledTimes(1)
  })

  it('reaches an operator through the session manager', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const sessions = createSessions({ store: memoryStore({ quiet: true }), production: false })
    const got: SessionEvent[] = []
    sessions.on(boom)
    sessions.on((e) => got.push(e))
    sessions.emit({ type: 'session_revoked', level: 'info', handle: 'h2' })
    expect(got.map((e) => [e.type, e.reason])).toEqual([
      ['session_revoked', undefined],
      ['event_listener_failed', 'session_revoked'],
    ])
    expect(got[1]!.time).toBe(got[0]!.time)
    await sessions.close()
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { TesseraError } from '../../core/errors.js'
import { Watchdog } from './watchdog.js'

const unavailable = (e: unknown) => e instanceof TesseraError && e.code === 'ERR_STORE_UNAVAILABLE'

describe('the Redis call watchdog', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('passes a timely answer through unchanged', async () => {
    const w = new Watchdog(1000)
    await expect(w.guard(Promise.resolve(['a', 'b']))).resolves.toEqual(['a', 'b'])
    w.close()
  })

  it('turns a driver failure into ERR_STORE_UNAVAILABLE and keeps the cause', async () => {
    const w = new Watchdog(1000)
    const cause = new Error('ECONNREFUSED')
    const error = await w.guard(Promise.reject(cause)).catch((e: unknown) => e)
    expect(unavailable(error)).toBe(true)
    expect((error as Error).cause).toBe(cause)
    w.close()
  })

  it('fails a call that never answers once its deadline passes, and not before', async () => {
    vi.useFakeTimers()
    const w = new Watchdog(1000)
    let settled: unknown = 'pending'
    w.guard(new Promise(() => {})).catch((e: unknown) => {
      settled = e
    })
    await vi.advanceTimersByTimeAsync(750)
    expect(settled).toBe('pending')
    await vi.advanceTimersByTimeAsync(500)
    expect(unavailable(settled)).toBe(true)
    expect((settled as Error).message).not.toMatch(/token/i)
    w.close()
  })

  it('leaves younger calls alone when an older one expires', async () => {
    vi.useFakeTimers()
    const w = new Watchdog(1000)
    const results: string[] = []
    w.guard(new Promise(() => {})).catch(() => results.push('old'))
    await vi.advanceTimersByTimeAsync(600)
    let release: (v: string) => void = () => {}
    w.guard(new Promise<string>((r) => (release = r))).then((v) => results.push(v))
    await vi.advanceTimersByTimeAsync(600)
    expect(results).toEqual(['old'])
    release('young')
    await vi.advanceTimersByTimeAsync(0)
    expect(results).toEqual(['old', 'young'])
    w.close()
  })

  it('maps a timely answer (to a value or a promise) and never maps a late one', async () => {
    vi.useFakeTimers()
    const w = new Watchdog(1000)
    const seen: string[] = []
    const map = (v: string, arg: string) => {
      seen.push(v)
      return v === 'later' ? Promise.resolve(`${arg}:${v}`) : `${arg}:${v}`
    }
    await expect(w.guard(Promise.resolve('a'), map, 'x')).resolves.toBe('x:a')
    await expect(w.guard(Promise.resolve('later'), map, 'y')).resolves.toBe('y:later')
    let answer: (v: string) => void = () => {}
    const late = w.guard(new Promise<string>((r) => (answer = r)), map, 'z')
    const settled = late.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1250)
    expect(unavailable(await settled)).toBe(true)
    answer('too late')
    await vi.advanceTimersByTimeAsync(0)
    expect(seen).toEqual(['a', 'later'])
    w.close()
  })

  it('fails every overdue call in one sweep and keeps serving new ones', async () => {
    vi.useFakeTimers()
    const w = new Watchdog(1000)
    const hung = Array.from({ length: 5 }, () =>
      w.guard(new Promise(() => {})).catch((e: unknown) => e),
    )
    await vi.advanceTimersByTimeAsync(1250)
    for (const e of await Promise.all(hung)) expect(unavailable(e)).toBe(true)
    await expect(w.guard(Promise.resolve(1))).resolves.toBe(1)
    w.close()
  })
})

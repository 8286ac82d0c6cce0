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
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { StoreNotice } from '../../core/store.js'
import { postgresStore } from './index.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('PostgreSQL store notices', () => {
  it('a periodic sweep that fails is reported as a background_error, without the connection string', async () => {
    // Only the sweep timer is faked: the driver's own timers (connect timeout) stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    // Nothing listens on port 1: the database is down, as in an outage.
    const store = postgresStore({
      connectionString: 'postgres://postgres:hunter2@127.0.0.1:1/test',
      sweepIntervalMs: 1000,
    })
    const notice = new Promise<StoreNotice>((resolve) => store.observe(resolve))
    vi.advanceTimersByTime(1000)
    const got = await notice
    expect(got).toMatchObject({
      type: 'background_error',
      task: 'sweep',
      error: { code: 'ERR_STORE_UNAVAILABLE' },
    })
    expect(String((got as { error: Error }).error.message)).not.toContain('hunter2')
    await store.close()
  })
})

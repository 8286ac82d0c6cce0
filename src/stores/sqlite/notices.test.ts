import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { StoreNotice } from '../../core/store.js'
import { sampleRecord } from '../conformance/sample.js'
import { sqliteStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-notices-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => {
  vi.useRealTimers()
})

describe('SQLite store notices', () => {
  it('a periodic sweep that fails is reported as a background_error, and the next one sweeps', async () => {
    // Only the sweep timer is faked: the store's clock and SQLite's busy wait stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const path = join(dir, 'sweep-fails.db')
    const store = sqliteStore({ path, sweepIntervalMs: 1000, busyTimeoutMs: 10 })
    const notices: StoreNotice[] = []
    store.observe((notice) => notices.push(notice))
    const now = Date.now()
    const expired = sampleRecord(now - 120_000, { idleExpiresAt: now - 1000 })
    await store.create(expired)

    // Another connection holds the write lock through the sweep, as a busy process would.
    const other = new Database(path)
    other.prepare('BEGIN IMMEDIATE').run()
    try {
      vi.advanceTimersByTime(1000)
    } finally {
      other.prepare('COMMIT').run()
      other.close()
    }
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({
      type: 'background_error',
      task: 'sweep',
      error: { code: 'ERR_STORE_UNAVAILABLE' },
    })
    expect(await store.get(expired.id)).not.toBeNull()

    vi.advanceTimersByTime(1000)
    expect(notices).toHaveLength(1)
    expect(await store.get(expired.id)).toBeNull()
    await store.close()
  })
})

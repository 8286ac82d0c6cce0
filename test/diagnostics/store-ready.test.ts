import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSessions } from '../../src/core/manager.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { postgresStore } from '../../src/stores/postgres/index.js'
import { redisClusterStore, redisStore } from '../../src/stores/redis/index.js'
import { sqliteStore } from '../../src/stores/sqlite/index.js'
import { postgresAnswers, redisAnswers, serviceGate } from '../services/availability.js'
import { freePort } from '../services/ports.js'

// `await store.ready()` at start-up: a store that cannot reach its backend says where it looked
// and why, at once, instead of answering 503s later. The wrong addresses are ports on which
// nothing listens (found free, outside the ephemeral range), so these tests need no service.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

// Outside the ephemeral range (see ports.ts): a port from listen(0), once released, may be
// handed to any other listen(0) on the machine, and a store connecting there would not be
// refused.
const closedPort = freePort

describe('a store that cannot reach its backend', () => {
  it('redisStore: ready() rejects with ERR_STORE_UNAVAILABLE naming the address and the reason', async () => {
    const port = await closedPort()
    const store = redisStore({ url: `redis://:hunter2@127.0.0.1:${port}`, commandTimeoutMs: 500 })
    try {
      const failure = store.ready()
      await expect(failure).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
      const message = await failure.catch((e: Error) => e.message)
      expect(message).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`)
      expect(message).toContain('ECONNREFUSED')
      expect(message).not.toContain('hunter2')
      expect(store.address).toBe(`redis://127.0.0.1:${port}`)
    } finally {
      await store.close()
    }
  })

  it('sessions.ready() is the same check through the manager', async () => {
    const port = await closedPort()
    const store = redisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500 })
    try {
      await expect(createSessions({ store }).ready()).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
        message: expect.stringContaining(`cannot reach Redis at redis://127.0.0.1:${port}`),
      })
    } finally {
      await store.close()
    }
  })

  it('redisClusterStore: ready() names every seed node', async () => {
    const [a, b] = [await closedPort(), await closedPort()]
    const nodes = [`redis://127.0.0.1:${a}`, `redis://127.0.0.1:${b}`]
    const store = redisClusterStore({ nodes, commandTimeoutMs: 500 })
    try {
      await expect(store.ready()).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
        message: expect.stringContaining(`Redis Cluster at ${nodes.join(', ')}`),
      })
    } finally {
      await store.close()
    }
  })

  it('postgresStore: ready() rejects naming the address without the password', async () => {
    const port = await closedPort()
    const store = postgresStore({
      connectionString: `postgres://tessera:hunter2@127.0.0.1:${port}/app`,
      sweepIntervalMs: 0,
    })
    try {
      const message = await store.ready().then(
        () => 'resolved',
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      )
      expect(message).toContain(
        `ERR_STORE_UNAVAILABLE: cannot reach PostgreSQL at postgres://127.0.0.1:${port}/app`,
      )
      expect(message).toContain('ECONNREFUSED')
      expect(message).not.toContain('hunter2')
    } finally {
      await store.close()
    }
  })
})

const redisUp = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
describe.runIf(redisUp)('redisStore on a running server', () => {
  it('ready() resolves', async () => {
    const store = redisStore({ url: REDIS_URL })
    try {
      await expect(store.ready()).resolves.toBeUndefined()
    } finally {
      await store.close()
    }
  })
})

const pgUp = await serviceGate('PostgreSQL', DATABASE_URL, () => postgresAnswers(DATABASE_URL))
describe.runIf(pgUp)('postgresStore on a running server', () => {
  it('ready() connects, migrates and resolves', async () => {
    const store = postgresStore({ connectionString: DATABASE_URL, sweepIntervalMs: 0 })
    try {
      await expect(store.ready()).resolves.toBeUndefined()
    } finally {
      await store.close()
    }
  })
})

describe('sqliteStore', () => {
  let dir = ''
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates the folders on the way to its file, and is ready', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-sqlite-'))
    const path = join(dir, 'data', 'nested', 'sessions.db')
    expect(existsSync(join(dir, 'data'))).toBe(false)
    const store = sqliteStore({ path, sweepIntervalMs: 0 })
    try {
      expect(existsSync(path)).toBe(true)
      await expect(store.ready()).resolves.toBeUndefined()
      expect(store.address).toBe(path)
    } finally {
      await store.close()
    }
  })

  it('refuses a path it cannot open with ERR_CONFIG naming the path', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'tessera-sqlite-'))
    // A folder where the file should be.
    expect(() => sqliteStore({ path: dir })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG',
        message: expect.stringContaining(`cannot open SQLite database at ${JSON.stringify(dir)}`),
      }),
    )
  })
})

it('memoryStore is ready at once', async () => {
  const store = memoryStore()
  await expect(store.ready()).resolves.toBeUndefined()
  await store.close()
})

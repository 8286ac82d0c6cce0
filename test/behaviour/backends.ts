import { randomBytes } from 'node:crypto'
import type { Clock } from '../../src/core/clock.js'
import type { SessionStore } from '../../src/core/store.js'
import { memoryStore } from '../../src/stores/memory/index.js'
import { testDatabase } from '../../src/stores/postgres/test-database.js'
import { redisStore } from '../../src/stores/redis/index.js'
import { redisAnswers, serviceGate } from '../services/availability.js'
import { inspectRedis } from '../services/redis-inspect.js'

/** A store opened for one block of behaviour cases, in a namespace of its own. */
export interface OpenStore {
  store: SessionStore
  /** Closes the store and removes everything it wrote. */
  close(): Promise<void>
}

/**
 * A session store the behaviour suite runs on. `up` is decided by the service gate when the
 * module loads: false skips the backend's cases (loudly); under `CI=true` the gate throws.
 */
export interface Backend {
  name: string
  up: boolean
  /** A fresh namespace (key prefix, schema) per call, so blocks and files never collide. */
  open(clock: Clock): Promise<OpenStore>
}

/** The memory store: the synchronous read path (`getSync`). */
export const memoryBackend: Backend = {
  name: 'memory',
  up: true,
  open: async (clock) => {
    const store = memoryStore({ clock, quiet: true })
    return { store, close: () => store.close() }
  },
}

/** Standalone Redis at `REDIS_URL`: the asynchronous read path over the network. */
export async function redisBackend(): Promise<Backend> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const up = await serviceGate('Redis', url, () => redisAnswers(url))
  return {
    name: 'Redis',
    up,
    open: async () => {
      const keyPrefix = `tessera-behaviour-${randomBytes(6).toString('hex')}:`
      const store = redisStore({ url, keyPrefix })
      return {
        store,
        close: async () => {
          await store.close()
          const redis = await inspectRedis([url])
          await redis.clear(keyPrefix)
          await redis.close()
        },
      }
    },
  }
}

/** PostgreSQL at `DATABASE_URL`: the asynchronous read path through a pool, one schema each. */
export async function postgresBackend(): Promise<Backend> {
  // The probe warns (or throws under CI) once; the schema it names is never created.
  const probe = await testDatabase('behaviour')
  await probe.drop()
  return {
    name: 'PostgreSQL',
    up: probe.up,
    open: async (clock) => {
      const db = await testDatabase('behaviour')
      const store = db.store({ clock })
      return { store, close: () => db.drop() }
    },
  }
}

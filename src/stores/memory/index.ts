import { type Clock, systemClock } from '../../core/clock.js'
import { TesseraError } from '../../core/errors.js'
import { expiresAt, type SessionRecord } from '../../core/record.js'
import { setOwn } from '../../internal/own.js'
import { assertKnownKeys } from '../../internal/strict.js'
import { MEMORY_KEYS } from '../option-keys.js'
import type {
  CreateOptions,
  CreateResult,
  SessionPatch,
  SessionStore,
  StoreNotice,
} from '../../core/store.js'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most sessions kept. At the bound the oldest-created anonymous session is dropped first, and
   * a signed-in one only when no anonymous session is left (each drop is reported as a
   * `session_evicted` event). Default 10 000.
   */
  maxEntries?: number
  /** How often expired records are swept, ms. Default 60 000. */
  sweepIntervalMs?: number
  /** Clock used for sweeping. Default the system clock (share the manager's in tests). */
  clock?: Clock
  /** Do not warn when used with NODE_ENV=production. */
  quiet?: boolean
}

// Spelled out field by field: object rest/spread here produced records whose shape made every
// later property read slow (measured: ~9 µs per request through the node adapter).
function copyRecord<D>(
  r: Omit<SessionRecord, 'data'>,
  data: D,
): Omit<SessionRecord, 'data'> & { data: D } {
  return {
    id: r.id,
    handle: r.handle,
    userId: r.userId,
    data,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    renewedAt: r.renewedAt,
    authenticatedAt: r.authenticatedAt,
    idleExpiresAt: r.idleExpiresAt,
    absoluteExpiresAt: r.absoluteExpiresAt,
    // Stored metadata is frozen (see `put`), so every read can share it instead of copying.
    meta: r.meta,
    version: r.version,
  }
}

// Data values are kept as JSON text, so that callers can never mutate stored state by
// reference and so that this store behaves like the networked ones.
interface Entry {
  record: Omit<SessionRecord, 'data'> & { data: null }
  data: Map<string, string>
}

/**
 * A bounded in-process store for development and tests. Sessions vanish on restart and are not
 * shared between processes, so it warns when `NODE_ENV=production`.
 *
 * @example
 * const sessions = createSessions({ store: memoryStore({ maxEntries: 1000 }) })
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore & {
  readonly size: number
  sweep(): number
  getSync(id: string): SessionRecord | null
  ready(): Promise<void>
} {
  assertKnownKeys(options, MEMORY_KEYS, 'memoryStore')
  const maxEntries = options.maxEntries ?? 10_000
  const clock = options.clock ?? systemClock
  const sessions = new Map<string, Entry>()
  const aliases = new Map<string, { to: string; until: number }>()
  const byUser = new Map<string, Set<string>>()
  const byHandle = new Map<string, string>()
  // Insertion-ordered, so the first entry is the oldest-created anonymous session.
  const anonymous = new Set<string>()
  let notify: (notice: StoreNotice) => void = () => {}
  if (!options.quiet && globalThis.process?.env?.NODE_ENV === 'production') {
    console.warn(
      'tessera: memoryStore in production loses every session on restart and is not shared between processes; use the SQLite, Redis or PostgreSQL store',
    )
  }

  const toRecord = (e: Entry): SessionRecord => {
    const data: Record<string, unknown> = {}
    // forEach, not for…of: no [key, value] array per entry on every read.
    e.data.forEach((v, k) => {
      setOwn(data, k, JSON.parse(v))
    })
    return copyRecord(e.record, data)
  }
  const remove = (id: string): SessionRecord | null => {
    const e = sessions.get(id)
    if (!e) return null
    sessions.delete(id)
    anonymous.delete(id)
    byHandle.delete(e.record.handle)
    if (e.record.userId !== null) {
      const set = byUser.get(e.record.userId)
      set?.delete(id)
      if (set?.size === 0) byUser.delete(e.record.userId)
    }
    return toRecord(e)
  }
  const insert = (record: SessionRecord): void => {
    const { data } = record
    const map = new Map<string, string>()
    for (const [k, v] of Object.entries(data)) map.set(k, JSON.stringify(v))
    const stored = copyRecord(record, null)
    stored.meta = Object.freeze({ ...record.meta })
    sessions.set(record.id, { record: stored, data: map })
    byHandle.set(record.handle, record.id)
    if (record.userId === null) anonymous.add(record.id)
    else {
      let set = byUser.get(record.userId)
      if (!set) {
        set = new Set()
        byUser.set(record.userId, set)
      }
      set.add(record.id)
    }
  }
  const live = (now: number) => (id: string) => {
    const e = sessions.get(id)
    return e !== undefined && expiresAt(e.record) > now
  }
  const sweep = (): number => {
    const now = clock.now()
    let n = 0
    for (const [id, e] of sessions) if (expiresAt(e.record) <= now && remove(id)) n++
    for (const [id, a] of aliases) if (a.until <= now) aliases.delete(id)
    return n
  }
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000)
  timer.unref?.()

  const getSync = (id: string): SessionRecord | null => {
    let e = sessions.get(id)
    if (!e) {
      const alias = aliases.get(id)
      if (alias && alias.until > clock.now()) e = sessions.get(alias.to)
    }
    return e ? toRecord(e) : null
  }

  return {
    get size() {
      return sessions.size
    },
    sweep,
    getSync,
    async get(id) {
      return getSync(id)
    },
    async create(record: SessionRecord, o: CreateOptions = {}): Promise<CreateResult> {
      // Single-threaded: everything below runs without an await, so it is atomic.
      if (o.replaces !== undefined) {
        const old = sessions.get(o.replaces)
        if (!old || (o.expectVersion !== undefined && old.record.version !== o.expectVersion))
          return { evicted: [], skipped: true }
      }
      const evicted: SessionRecord[] = []
      if (record.userId !== null && o.limit) {
        const now = clock.now()
        const ids = [...(byUser.get(record.userId) ?? [])].filter(
          (id) => id !== o.replaces && live(now)(id),
        )
        const excess = ids.length + 1 - o.limit.max
        if (excess > 0) {
          if (o.limit.policy === 'reject-new') {
            throw new TesseraError(
              'ERR_SESSION_LIMIT',
              'too many concurrent sessions for this user',
            )
          }
          ids.sort(
            (a, b) => sessions.get(a)!.record.lastSeenAt - sessions.get(b)!.record.lastSeenAt,
          )
          for (const id of ids.slice(0, excess)) evicted.push(remove(id)!)
        }
      }
      if (o.replaces) {
        remove(o.replaces)
        if (o.graceUntil) aliases.set(o.replaces, { to: record.id, until: o.graceUntil })
      }
      if (sessions.size >= maxEntries) {
        sweep()
        // Still full: drop the oldest-created, anonymous sessions first, so that a flood of
        // pre-sessions cannot sign users out (both sets keep insertion order).
        for (const pool of [anonymous, sessions.keys()]) {
          for (const id of pool) {
            if (sessions.size < maxEntries) break
            const dropped = remove(id)
            if (dropped) notify({ type: 'evicted', record: dropped })
          }
        }
      }
      insert(record)
      return { evicted }
    },
    async update(id, patch: SessionPatch) {
      const e = sessions.get(id)
      if (!e) return false
      if (patch.expectVersion !== undefined && e.record.version !== patch.expectVersion)
        return false
      e.record.version++
      if (patch.set)
        for (const [k, v] of Object.entries(patch.set)) e.data.set(k, JSON.stringify(v))
      if (patch.unset) for (const k of patch.unset) e.data.delete(k)
      if (patch.lastSeenAt !== undefined) e.record.lastSeenAt = patch.lastSeenAt
      if (patch.idleExpiresAt !== undefined) e.record.idleExpiresAt = patch.idleExpiresAt
      if (patch.authenticatedAt !== undefined) e.record.authenticatedAt = patch.authenticatedAt
      if (patch.meta) e.record.meta = Object.freeze({ ...e.record.meta, ...patch.meta })
      return true
    },
    async destroy(id) {
      return remove(id)
    },
    async listByUser(userId) {
      return [...(byUser.get(userId) ?? [])].map((id) => toRecord(sessions.get(id)!))
    },
    async destroyByHandle(handle, o = {}) {
      const id = byHandle.get(handle)
      if (!id) return null
      const e = sessions.get(id)
      if (!e || (o.userId !== undefined && e.record.userId !== o.userId)) return null
      return remove(id)
    },
    async destroyByUser(userId, o = {}) {
      const ids = [...(byUser.get(userId) ?? [])].filter((id) => id !== o.except)
      return ids.map((id) => remove(id)!).filter(Boolean)
    },
    address: 'memory',
    async ready() {},
    async ping() {},
    async close() {
      clearInterval(timer)
    },
    observe(sink) {
      notify = sink
    },
  }
}

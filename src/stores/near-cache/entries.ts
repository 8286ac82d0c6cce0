import type { SessionRecord } from '../../core/record.js'
import { setOwn } from '../../internal/own.js'

// Fixed cost of an entry beyond its text (objects, Map slot, numbers), estimated generously.
const ENTRY_OVERHEAD = 400

/** One cached record: the fields, its data as JSON texts, when it was read, what it costs. */
interface Entry {
  readonly base: Omit<SessionRecord, 'data'>
  readonly keys: string[]
  readonly texts: string[]
  readonly at: number
  readonly bytes: number
}

/**
 * The bounded record cache behind the near cache: least recently read first out, bounded in
 * entries and in estimated bytes (UTF-16 text counts two bytes a character).
 *
 * Every read hands out a fresh record with freshly parsed data, as the memory store does: an
 * application that changes a value it read must not change what the next request reads.
 *
 * @example
 * const cache = new RecordCache(10_000, 16 * 1024 * 1024)
 * cache.put(record, Date.now())
 * cache.get(record.id, Date.now() - 1000) // a copy of record, or undefined once older
 */
export class RecordCache {
  readonly #map = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries
    this.#maxBytes = maxBytes
  }

  /** Records held. */
  get size(): number {
    return this.#map.size
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes
  }

  /** A copy of the record under `id` read after `notBefore`, or undefined (an older one goes). */
  get(id: string, notBefore: number): SessionRecord | undefined {
    const e = this.#map.get(id)
    if (e === undefined) return undefined
    if (e.at < notBefore) {
      this.delete(id)
      return undefined
    }
    // Most recently read goes last: eviction takes the first.
    this.#map.delete(id)
    this.#map.set(id, e)
    const data: Record<string, unknown> = {}
    for (let i = 0; i < e.keys.length; i++) setOwn(data, e.keys[i]!, JSON.parse(e.texts[i]!))
    const b = e.base
    return {
      id: b.id,
      handle: b.handle,
      userId: b.userId,
      data,
      createdAt: b.createdAt,
      lastSeenAt: b.lastSeenAt,
      renewedAt: b.renewedAt,
      authenticatedAt: b.authenticatedAt,
      idleExpiresAt: b.idleExpiresAt,
      absoluteExpiresAt: b.absoluteExpiresAt,
      meta: b.meta,
      version: b.version,
    }
  }

  /** Keeps `record` (read at `at`), evicting the least recently read until within bounds. */
  put(record: SessionRecord, at: number): void {
    const keys = Object.keys(record.data)
    const texts = keys.map((k) => JSON.stringify(record.data[k]) ?? 'null')
    // Shared by every copy handed out, so frozen (as the memory store does).
    const meta = Object.freeze({ ...record.meta })
    let chars = record.id.length + record.handle.length + (record.userId?.length ?? 0)
    for (let i = 0; i < keys.length; i++) chars += keys[i]!.length + texts[i]!.length
    chars += JSON.stringify(meta).length
    const bytes = ENTRY_OVERHEAD + 2 * chars
    if (bytes > this.#maxBytes) return
    this.delete(record.id)
    const { data: _data, ...rest } = record
    this.#map.set(record.id, { base: { ...rest, meta }, keys, texts, at, bytes })
    this.#bytes += bytes
    while (this.#map.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#map.keys().next().value
      if (oldest === undefined) break
      this.delete(oldest)
    }
  }

  /** Forgets the record under `id`. */
  delete(id: string): void {
    const e = this.#map.get(id)
    if (e === undefined) return
    this.#map.delete(id)
    this.#bytes -= e.bytes
  }

  /** Forgets the records for which `match` holds (revocation by handle or user: rare, O(n)). */
  deleteWhere(match: (record: Omit<SessionRecord, 'data'>) => boolean): void {
    for (const [id, e] of this.#map) if (match(e.base)) this.delete(id)
  }

  /** Forgets everything. */
  clear(): void {
    this.#map.clear()
    this.#bytes = 0
  }
}

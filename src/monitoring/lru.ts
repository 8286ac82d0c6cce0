/**
 * A small bounded least-recently-used map. `Map` keeps insertion order, so re-inserting on read
 * moves a key to the young end and the oldest key is the first one.
 *
 * @example
 * const cache = new Lru<string, number>(2)
 * cache.set('a', 1); cache.set('b', 2); cache.set('c', 3) // 'a' is evicted
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>()
  readonly max: number

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError('Lru size must be a positive integer')
    this.max = max
  }

  /** The value for `key` (marking it recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  /** The value for `key` without changing its age. */
  peek(key: K): V | undefined {
    return this.#map.get(key)
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#map.has(key)) this.#map.delete(key)
    else if (this.#map.size >= this.max) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(key, value)
  }

  /** Forgets `key`. */
  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  /** How many entries are held. */
  get size(): number {
    return this.#map.size
  }

  /** Entries, oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries()
  }
}

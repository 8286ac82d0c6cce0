// Every bounded cache here is a Map that drops its oldest entry (the first in insertion order)
// when full. The obvious `map.keys().next()` is not constant time on V8: a deleted entry stays
// a hole in the table until the next rehash, and a fresh iterator steps over every hole at the
// front. A cache at its bound that drops one entry per insert piles those holes up, and at
// 10,000 entries each eviction cost ~11 µs (node 20, measured while finding why CSRF cost
// 10 µs a request over 100,000 sessions): more than deriving what the cache holds. One
// iterator kept across calls steps over each hole once.

/**
 * Finds a Map's oldest keys in amortised constant time, for a cache that evicts them. Deletes
 * and re-insertions elsewhere in the map are fine, and so is `clear()`; only removing the keys
 * it returns keeps it exact (a key it returned and the caller kept stays until a full lap).
 *
 * @example
 * const cursor = new OldestKey(map)
 * if (map.size >= max) map.delete(cursor.next()!)
 */
export class OldestKey<K> {
  readonly #map: Map<K, unknown>
  #keys: Iterator<K>

  constructor(map: Map<K, unknown>) {
    this.#map = map
    this.#keys = map.keys()
  }

  /** The oldest key still in the map (the caller removes it), or undefined when it is empty. */
  next(): K | undefined {
    let step = this.#keys.next()
    // A Map iterator that reached the end stays done, whatever is added later: start again.
    if (step.done) {
      this.#keys = this.#map.keys()
      step = this.#keys.next()
    }
    return step.done ? undefined : step.value
  }
}

/**
 * What an invalidation channel tells the near cache. The channel is the store's push: a Redis
 * tracking connection, a PostgreSQL `LISTEN`. Calls may come in any order and any number of
 * times; the cache treats each as idempotent.
 */
export interface InvalidationSink {
  /** The session stored under `id` (a token hash) changed or ended somewhere. */
  invalidate(id: string): void
  /** Everything may have changed (a flush, a `TRUNCATE`): forget every entry. */
  invalidateAll(): void
  /** The channel delivers from now on: the cache may keep what it reads. */
  up(): void
  /** The channel lost its subscription: the cache empties and reads go to the store. */
  down(reason: unknown): void
}

/**
 * A source of pushed invalidations. Until `start` has called `sink.up()` the cache keeps
 * nothing, and after any `sink.down()` it keeps nothing until the next `sink.up()`: a channel
 * must call `up` only once it is subscribed again (a missed invalidation is never assumed away).
 *
 * @example
 * const channel: InvalidationChannel = {
 *   start(sink) { bus.on('changed', (id) => sink.invalidate(id)); sink.up() },
 *   async close() { bus.removeAllListeners() },
 * }
 */
export interface InvalidationChannel {
  /** Subscribes and reports to `sink` until `close`. Called once. */
  start(sink: InvalidationSink): void
  /** Ends the subscription and releases its connections. */
  close(): Promise<void>
}

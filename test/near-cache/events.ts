import type { NearCacheEvent } from '../../src/stores/near-cache/index.js'

/**
 * The events of one near cache, and a way to wait for one: tests wait on the invalidation
 * itself, never on time.
 *
 * @example
 * const log = new EventLog()
 * const store = redisStore({ url, nearCache: { onEvent: log.push } })
 * await log.next((e) => e.type === 'up')
 */
export class EventLog {
  readonly events: NearCacheEvent[] = []
  #waiters: Array<{ match: (e: NearCacheEvent) => boolean; resolve: () => void }> = []

  /** The `onEvent` option. */
  readonly push = (event: NearCacheEvent): void => {
    this.events.push(event)
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.match(event)) return true
      w.resolve()
      return false
    })
  }

  /** Resolves at the next event that matches (events already logged do not count). */
  next(match: (e: NearCacheEvent) => boolean): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }))
  }

  /** Resolves at once if an event matched since `from` (an index into `events`), else at the next. */
  since(from: number, match: (e: NearCacheEvent) => boolean): Promise<void> {
    if (this.events.slice(from).some(match)) return Promise.resolve()
    return this.next(match)
  }

  /** True while the last channel event says up. */
  get up(): boolean {
    const last = this.events.findLast((e) => e.type === 'up' || e.type === 'down')
    return last?.type === 'up'
  }

  /** Resolves once the channel is up. */
  async ready(): Promise<void> {
    if (!this.up) await this.next((e) => e.type === 'up')
  }
}

/** Matches a pushed invalidation of `id`. */
export const pushed =
  (id: string) =>
  (e: NearCacheEvent): boolean =>
    e.type === 'invalidate' && e.id === id && e.source === 'push'

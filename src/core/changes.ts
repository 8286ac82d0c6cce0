// A request's pending changes to its session data: per-key sets and removals, applied to the
// store as one patch at commit (so concurrent requests that change different keys both
// persist), or folded into the record that a regeneration or renewal writes.
import { setOwn } from '../internal/own.js'

/**
 * The keys one request set or removed, in order. Empty until the first change, so a
 * read-only request allocates nothing.
 *
 * @example
 * const changes = new ChangeSet()
 * changes.set('theme', 'dark')
 * changes.apply({ theme: 'light', lang: 'en' }) // { theme: 'dark', lang: 'en' }
 */
export class ChangeSet {
  #set: Map<string, unknown> | null = null
  #unset: Set<string> | null = null

  /** True when at least one key was set or removed. */
  get any(): boolean {
    return this.#set !== null || this.#unset !== null
  }

  /** Whether `key` was changed, and to what (`undefined` when removed). */
  lookup(key: string): { changed: boolean; value: unknown } {
    if (this.#unset?.has(key)) return { changed: true, value: undefined }
    if (this.#set?.has(key)) return { changed: true, value: this.#set.get(key) }
    return { changed: false, value: undefined }
  }

  set(key: string, value: unknown): void {
    this.#unset?.delete(key)
    this.#set ??= new Map()
    this.#set.set(key, value)
  }

  delete(key: string): void {
    this.#set?.delete(key)
    this.#unset ??= new Set()
    this.#unset.add(key)
  }

  /** Forgets every change (after they were written, or when the session ended). */
  clear(): void {
    this.#set = null
    this.#unset = null
  }

  /** A copy of `base` with the changes applied. */
  apply(base: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const data = { ...base }
    if (this.#unset) for (const k of this.#unset) delete data[k]
    if (this.#set) for (const [k, v] of this.#set) setOwn(data, k, v)
    return data
  }

  /** The changes as a store patch's `set`/`unset` fields (absent when none). */
  toPatch(): { set?: Record<string, unknown>; unset?: string[] } {
    const patch: { set?: Record<string, unknown>; unset?: string[] } = {}
    if (this.#set) patch.set = Object.fromEntries(this.#set)
    if (this.#unset) patch.unset = [...this.#unset]
    return patch
  }
}

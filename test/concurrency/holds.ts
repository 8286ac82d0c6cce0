import type { SessionStore } from '../../src/core/store.js'

type Method = 'get' | 'create' | 'update' | 'destroy' | 'destroyByHandle' | 'destroyByUser'

/** A held store call: `reached` resolves when a request gets there; `release` lets it go on. */
export interface Hold {
  reached: Promise<void>
  release(): void
}

interface Rule {
  methods: readonly Method[]
  when: (args: unknown[]) => boolean
  arrive: () => void
  open: Promise<void>
}

/**
 * Pins a race between real HTTP requests: the next store call matching a rule stops (before
 * it reaches the backend) until the test releases it, so "request A has read its session but
 * not yet written it" is a state the test can put the server in, instead of a timing hope.
 *
 * @example
 * const holds = new Holds()
 * const store = holds.wrap(redisStore({ url }))
 * const renewal = holds.next('create', (args) => (args[1] as CreateOptions)?.replaces !== undefined)
 * await renewal.reached
 * renewal.release()
 */
export class Holds {
  #rules: Rule[] = []

  /** Holds the next call of `method` (or of any of `method`) whose arguments satisfy `when`. */
  next(method: Method | readonly Method[], when: (args: unknown[]) => boolean = () => true): Hold {
    const methods = typeof method === 'string' ? [method] : method
    let arrive!: () => void
    let release!: () => void
    const reached = new Promise<void>((r) => {
      arrive = r
    })
    const open = new Promise<void>((r) => {
      release = r
    })
    this.#rules.push({ methods, when, arrive, open })
    return { reached, release }
  }

  async #gate(method: Method, args: unknown[]): Promise<void> {
    const i = this.#rules.findIndex((r) => r.methods.includes(method) && r.when(args))
    if (i === -1) return
    const [rule] = this.#rules.splice(i, 1)
    rule!.arrive()
    await rule!.open
  }

  /** `inner` with every call passing through the rules first. */
  wrap(inner: SessionStore): SessionStore {
    const gated =
      <A extends unknown[], R>(method: Method, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await this.#gate(method, args)
        return fn(...args)
      }
    return {
      get: gated('get', (id) => inner.get(id)),
      create: gated('create', (r, o) => inner.create(r, o)),
      update: gated('update', (id, p) => inner.update(id, p)),
      destroy: gated('destroy', (id) => inner.destroy(id)),
      listByUser: (userId) => inner.listByUser(userId),
      destroyByHandle: gated('destroyByHandle', (h, o) => inner.destroyByHandle(h, o)),
      destroyByUser: gated('destroyByUser', (u, o) => inner.destroyByUser(u, o)),
      ping: () => inner.ping(),
      close: () => inner.close(),
    }
  }
}

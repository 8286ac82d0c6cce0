// What the concurrency suite expects, kept apart from what it drives. Everything here is
// bookkeeping of observed, resolved facts (a response's cookie, a commit that resolved, a
// revocation that resolved) and the rules those facts imply; `check.ts` holds them against
// the real stores after every step.

/** A logical instant: one tick per request arrival and per resolution. */
export type Seq = number

/** A session token some response handed to a browser. */
export interface IssuedToken {
  handle: string | null
  userId: string | null
  /** Secret epoch: CSRF tokens verify across a renewal, never across a regeneration. */
  epoch: number
  issuedAt: Seq
  /** What issued it (`b0 login#12`), for violation messages. */
  by: string
}

/** A write of one key: resolved (the app saw success), failed (it saw an error), or in flight. */
export interface WriteFact {
  value: string
  invokedAt: Seq
  resolvedAt: Seq | null
  failedAt: Seq | null
}

/** A CSRF token a page received, with the secret epoch of the session that issued it. */
export interface IssuedCsrf {
  token: string
  epoch: number
  by: string
}

/** A refresh-token family (token mode). */
export interface Family {
  userId: string
  createdAt: number
  lastSeenAt: number
  /** Highest generation handed out by a resolved issue or refresh. */
  gen: number
  /** When the login that started it arrived, and when it resolved. */
  arrivedAt: Seq
  issuedAt: Seq
}

/**
 * The model: what the app was told, and therefore what must (not) hold in the store.
 *
 * @example
 * const model = new Model()
 * model.issue(token, { handle, userId, epoch: model.newEpoch(), issuedAt: model.tick(), by })
 */
export class Model {
  #seq = 0
  #epoch = 0
  readonly tokens = new Map<string, IssuedToken>()
  /** Tokens a check found dead (no store holds them, or they expired): they must stay dead. */
  readonly seenDead = new Set<string>()
  /** Tokens that must never authenticate again, with the reason. */
  readonly deadTokens = new Map<string, string>()
  /** Sessions (by handle) that ended for good: no token may reach them again. */
  readonly endedHandles = new Map<string, string>()
  /** Handles the store reported evicting (cap): they may end without a request ending them. */
  readonly evicted = new Set<string>()
  readonly writes = new Map<string, Map<string, WriteFact[]>>()
  readonly csrf: IssuedCsrf[] = []
  /** Login instant of each session handle (bounds its absolute deadline). */
  readonly startedAt = new Map<string, number>()
  readonly families = new Map<string, Family>()
  /** Refreshes refused while racing no other refresh of their family, to judge after the step. */
  readonly refusals: { family: string; sentGen: number; code: string; what: string }[] = []
  /** Refreshes in flight per family, each marked once another one overlapped it. */
  readonly #refreshing = new Map<string, Set<{ overlapped: boolean }>>()
  /** Access tokens handed out, by family handle. */
  readonly access: { token: string; family: string; by: string }[] = []
  /** Per user: the arrival of every op that may end sessions of that user, and its end. */
  readonly enders: { userId: string; from: Seq; to: Seq | null }[] = []

  refreshing(family: string): Set<{ overlapped: boolean }> {
    let set = this.#refreshing.get(family)
    if (!set) {
      set = new Set()
      this.#refreshing.set(family, set)
    }
    return set
  }

  tick(): Seq {
    return ++this.#seq
  }

  newEpoch(): number {
    return ++this.#epoch
  }

  epochOf(token: string | null): number | null {
    return token === null ? null : (this.tokens.get(token)?.epoch ?? null)
  }

  issue(token: string, fact: IssuedToken, now: number): void {
    if (this.tokens.has(token)) return
    this.tokens.set(token, fact)
    if (fact.handle !== null && !this.startedAt.has(fact.handle))
      this.startedAt.set(fact.handle, now)
  }

  /** A session ended for good (logout, revocation, a login replacing it). */
  endHandle(handle: string, reason: string): void {
    if (!this.endedHandles.has(handle)) this.endedHandles.set(handle, reason)
  }

  /** Every token of `handle` issued before `before` dies (regeneration: no grace window). */
  killTokensOf(handle: string, before: Seq, reason: string): void {
    for (const [token, t] of this.tokens) {
      if (t.handle === handle && t.issuedAt < before && !this.deadTokens.has(token))
        this.deadTokens.set(token, reason)
    }
  }

  /** Handles of `userId` that some token issued before `before` belongs to. */
  handlesOf(userId: string, before: Seq): Set<string> {
    const out = new Set<string>()
    for (const t of this.tokens.values())
      if (t.userId === userId && t.handle !== null && t.issuedAt < before) out.add(t.handle)
    for (const [handle, f] of this.families)
      if (f.userId === userId && f.issuedAt < before) out.add(handle)
    return out
  }

  writeStarted(handle: string | null, key: string, value: string, at: Seq): WriteFact {
    const fact: WriteFact = { value, invokedAt: at, resolvedAt: null, failedAt: null }
    if (handle !== null) this.#writesOf(handle, key).push(fact)
    return fact
  }

  /** Moves a write to the handle it was finally committed under (a new pre-session). */
  writeLanded(fact: WriteFact, handle: string | null, key: string): void {
    if (handle === null) return
    const list = this.#writesOf(handle, key)
    if (!list.includes(fact)) list.push(fact)
  }

  #writesOf(handle: string, key: string): WriteFact[] {
    let keys = this.writes.get(handle)
    if (!keys) {
      keys = new Map()
      this.writes.set(handle, keys)
    }
    let list = keys.get(key)
    if (!list) {
      list = []
      keys.set(key, list)
    }
    return list
  }

  /**
   * Why `seen` is not an acceptable value of `key` for a read of `handle` that began at
   * `readAt`, or null when it is. The latest write that resolved before the read began must be
   * visible, unless a write that overlapped it (or came later) replaced it.
   */
  staleRead(handle: string, key: string, seen: unknown, readAt: Seq): string | null {
    const list = this.writes.get(handle)?.get(key)
    if (!list) return null
    let latest: WriteFact | null = null
    for (const w of list)
      if (w.resolvedAt !== null && w.resolvedAt < readAt)
        if (!latest || w.resolvedAt > latest.resolvedAt!) latest = w
    if (!latest) return null
    if (seen === latest.value) return null
    const ok = list.some(
      (w) =>
        w.value === seen &&
        w !== latest &&
        !((w.resolvedAt ?? w.failedAt ?? Number.POSITIVE_INFINITY) < latest.invokedAt),
    )
    return ok
      ? null
      : `read ${JSON.stringify(seen)} but the write of ${JSON.stringify(latest.value)} had resolved (at #${latest.resolvedAt}) before the read began (#${readAt})`
  }

  /** True when some op that may end `userId`'s sessions overlapped [from, now]. */
  endedMaybe(userId: string, from: Seq): boolean {
    return this.enders.some((e) => e.userId === userId && (e.to === null || e.to > from))
  }
}

import type { EventLevel, SessionEvent, SessionEventType } from '../../core/events.js'
import { lazyOptional } from '../../internal/optional.js'
import { canonicalRecord } from './columns.js'
import { type AuditKind, auditKind } from './kind.js'
import {
  type AuditBackend,
  type AuditQuery,
  type AuditRecord,
  matches,
  queryLimit,
} from './types.js'
import { assertKnownKeys } from '../../internal/strict.js'

// Loaded on first use, so importing tessera-session/monitoring loads no database driver.
const redis = lazyOptional<typeof import('redis')>('redis', 'redisAudit')

/** The few stream commands the audit log needs; node-redis v5 clients and cluster clients have them. */
export interface StreamClient {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  close(): Promise<void>
  xAdd(
    key: string,
    id: string,
    message: Record<string, string>,
    options?: {
      TRIM?: { strategy?: 'MAXLEN' | 'MINID'; strategyModifier?: '=' | '~'; threshold: number }
    },
  ): Promise<unknown>
  xRevRange(
    key: string,
    start: string,
    end: string,
    options?: { COUNT?: number },
  ): Promise<Array<{ id: unknown; message: unknown }>>
  xRange(
    key: string,
    start: string,
    end: string,
    options?: { COUNT?: number },
  ): Promise<Array<{ id: unknown; message: unknown }>>
  xTrim(key: string, strategy: 'MAXLEN' | 'MINID', threshold: number | string): Promise<unknown>
}

/** Options of {@link redisAudit}: a URL (standalone or `redis-cluster://`), or a client. */
export interface RedisAuditOptions {
  /** `redis://host:port`, `rediss://…`, or `redis-cluster://h1:p1,h2:p2`. */
  url?: string | undefined
  /** A node-redis v5 client or cluster client; not closed by `close()`. */
  client?: StreamClient | undefined
  /** Stream key. Default `tessera:audit`. A stream is one key, so it works on a cluster as is. */
  key?: string | undefined
  /** Approximate cap on lifecycle entries (`XADD … MAXLEN ~`). Default 100 000. */
  maxLen?: number | undefined
  /** Stream key of security events (levels `warn`, `critical`). Default `<key>:security`. */
  securityKey?: string | undefined
  /** Approximate cap on security entries, apart from lifecycle ones. Default 100 000. */
  securityMaxLen?: number | undefined
}

const PAGE = 500

function toFields(e: SessionEvent, n: number): Record<string, string> {
  const f: Record<string, string> = {
    t: String(Date.parse(e.time)),
    n: String(n),
    type: e.type,
    level: e.level,
  }
  if (e.userId != null) f.u = e.userId
  if (e.handle != null) f.h = e.handle
  if (e.ip != null) f.ip = e.ip
  if (e.userAgent != null) f.ua = e.userAgent
  if (e.reason != null) f.r = e.reason
  return f
}

interface Entry {
  record: AuditRecord
  at: number
  /**
   * The writer's sequence number. Entries merge by event time, then by this: the exact order
   * of one writer's events across both streams (the streams may live on two cluster nodes,
   * whose entry ids are not comparable), time order between writers.
   */
  n: number
}

function fromFields(id: string, f: Record<string, string>): Entry {
  const at = Number(f.t)
  const event: SessionEvent = {
    type: f.type as SessionEventType,
    level: f.level as EventLevel,
    time: new Date(at).toISOString(),
    userId: f.u ?? null,
    handle: f.h ?? null,
    ip: f.ip,
    userAgent: f.ua,
    reason: f.r,
  }
  return {
    record: canonicalRecord(event, id),
    at,
    n: Number(f.n ?? 0),
  }
}

function newer(a: Entry, b: Entry): boolean {
  return a.at !== b.at ? a.at > b.at : a.n > b.n
}

function connectFromUrl(url: string): StreamClient {
  // Offline queueing would park audit writes forever during an outage; fail fast and retry.
  if (url.startsWith('redis-cluster://')) {
    const rootNodes = url
      .slice('redis-cluster://'.length)
      .split(',')
      .filter(Boolean)
      .map((hp) => ({ url: `redis://${hp}`, disableOfflineQueue: true }))
    const cluster = redis().createCluster({ rootNodes })
    cluster.on('error', () => {})
    return cluster as unknown as StreamClient
  }
  const client = redis().createClient({ url, disableOfflineQueue: true })
  client.on('error', () => {})
  return client as unknown as StreamClient
}

/**
 * An audit backend in two capped Redis streams (`XADD … MAXLEN ~`): lifecycle events in `key`,
 * security events (levels `warn`, `critical`) in `securityKey`, each with its own cap, so
 * lifecycle volume never trims a security entry. Queries page backwards through both and merge;
 * retention trims by event time (`XTRIM MINID`), per stream. Each stream is one key, so this
 * works on a cluster as is.
 *
 * @example
 * const audit = auditLog(redisAudit({ url: 'redis://127.0.0.1:6379', maxLen: 50_000 }))
 */
export function redisAudit(options: RedisAuditOptions): AuditBackend {
  assertKnownKeys(
    options,
    ['url', 'client', 'key', 'maxLen', 'securityKey', 'securityMaxLen'],
    'redisAudit()',
  )
  const key = options.key ?? 'tessera:audit'
  const keys: Record<AuditKind, string> = {
    lifecycle: key,
    security: options.securityKey ?? `${key}:security`,
  }
  const trims: Record<AuditKind, Parameters<StreamClient['xAdd']>[3]> = {
    lifecycle: trimTo(options.maxLen ?? 100_000),
    security: trimTo(options.securityMaxLen ?? 100_000),
  }
  const owned = !options.client
  const client = options.client ?? connectFromUrl(options.url ?? 'redis://127.0.0.1:6379')
  let connecting: Promise<unknown> | null = null
  // Orders this writer's entries of both streams among themselves (see Entry).
  let sequence = 0
  const ready = async (): Promise<void> => {
    if (client.isOpen) return
    connecting ??= client.connect().finally(() => {
      connecting = null
    })
    await connecting
  }

  // One stream's entries, newest first, a page at a time.
  async function* newestFirst(stream: string): AsyncGenerator<Entry> {
    let end = '+'
    for (;;) {
      const page = await client.xRevRange(stream, end, '-', { COUNT: PAGE })
      for (const entry of page) {
        const row = fromFields(String(entry.id), entry.message as Record<string, string>)
        end = `(${row.record.id}`
        yield row
      }
      if (page.length < PAGE) return
    }
  }

  async function pruneStream(stream: string, before: number): Promise<number> {
    // Events arrive in time order, so everything older sits at the head: find the first entry
    // to keep and trim below it.
    let start = '-'
    let removed = 0
    for (;;) {
      const page = await client.xRange(stream, start, '+', { COUNT: PAGE })
      for (const entry of page) {
        const id = String(entry.id)
        if (Number((entry.message as Record<string, string>).t) >= before) {
          if (removed > 0) await client.xTrim(stream, 'MINID', id)
          return removed
        }
        removed++
        start = `(${id}`
      }
      if (page.length < PAGE) {
        // Everything is older than `before`.
        if (removed > 0) await client.xTrim(stream, 'MAXLEN', 0)
        return removed
      }
    }
  }

  return {
    async append(events) {
      await ready()
      // Issued in one tick, node-redis pipelines these into one round trip.
      await Promise.all(
        events.map((e) => {
          const kind = auditKind(e)
          return client.xAdd(keys[kind], '*', toFields(e, ++sequence), trims[kind])
        }),
      )
    },
    async query(query: AuditQuery) {
      await ready()
      const limit = queryLimit(query)
      const out: AuditRecord[] = []
      const kinds: AuditKind[] = query.kind ? [query.kind] : ['lifecycle', 'security']
      const streams = kinds.map((k) => newestFirst(keys[k]))
      const heads = await Promise.all(streams.map((s) => s.next()))
      for (;;) {
        // The newer of the streams' heads goes next.
        let pick = -1
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i]!
          if (h.done) continue
          if (pick === -1 || newer(h.value, (heads[pick] as IteratorYieldResult<Entry>).value))
            pick = i
        }
        if (pick === -1) return out
        const row = (heads[pick] as IteratorYieldResult<Entry>).value
        if (matches(row.record, row.at, query)) out.push(row.record)
        if (out.length >= limit) {
          for (const s of streams) await s.return(undefined)
          return out
        }
        heads[pick] = await streams[pick]!.next()
      }
    },
    async prune(before: number, kind?: AuditKind) {
      await ready()
      if (kind) return pruneStream(keys[kind], before)
      return (
        (await pruneStream(keys.lifecycle, before)) + (await pruneStream(keys.security, before))
      )
    },
    async close() {
      if (owned && client.isOpen) await client.close()
    },
  }
}

function trimTo(maxLen: number) {
  return {
    TRIM: { strategy: 'MAXLEN' as const, strategyModifier: '~' as const, threshold: maxLen },
  }
}

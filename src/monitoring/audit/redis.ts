import { createClient, createCluster } from 'redis'
import type { EventLevel, SessionEvent, SessionEventType } from '../../core/events.js'
import { canonicalRecord } from './columns.js'
import {
  type AuditBackend,
  type AuditQuery,
  type AuditRecord,
  matches,
  queryLimit,
} from './types.js'

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
  /** Approximate cap on entries (`XADD … MAXLEN ~`). Default 100 000. */
  maxLen?: number | undefined
}

const PAGE = 500

function toFields(e: SessionEvent): Record<string, string> {
  const f: Record<string, string> = { t: String(Date.parse(e.time)), type: e.type, level: e.level }
  if (e.userId != null) f.u = e.userId
  if (e.handle != null) f.h = e.handle
  if (e.ip != null) f.ip = e.ip
  if (e.userAgent != null) f.ua = e.userAgent
  if (e.reason != null) f.r = e.reason
  return f
}

function fromFields(id: string, f: Record<string, string>): { record: AuditRecord; at: number } {
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
  return { record: canonicalRecord(event, id), at }
}

function connectFromUrl(url: string): StreamClient {
  // Offline queueing would park audit writes forever during an outage; fail fast and retry.
  if (url.startsWith('redis-cluster://')) {
    const rootNodes = url
      .slice('redis-cluster://'.length)
      .split(',')
      .filter(Boolean)
      .map((hp) => ({ url: `redis://${hp}`, disableOfflineQueue: true }))
    const cluster = createCluster({ rootNodes })
    cluster.on('error', () => {})
    return cluster as unknown as StreamClient
  }
  const client = createClient({ url, disableOfflineQueue: true })
  client.on('error', () => {})
  return client as unknown as StreamClient
}

/**
 * An audit backend in a capped Redis stream (`XADD … MAXLEN ~`). Queries page backwards
 * through the stream and filter in process; retention trims by event time (`XTRIM MINID`).
 *
 * @example
 * const audit = auditLog(redisAudit({ url: 'redis://127.0.0.1:6379', maxLen: 50_000 }))
 */
export function redisAudit(options: RedisAuditOptions): AuditBackend {
  const key = options.key ?? 'tessera:audit'
  const maxLen = options.maxLen ?? 100_000
  const owned = !options.client
  const client = options.client ?? connectFromUrl(options.url ?? 'redis://127.0.0.1:6379')
  let connecting: Promise<unknown> | null = null
  const ready = async (): Promise<void> => {
    if (client.isOpen) return
    connecting ??= client.connect().finally(() => {
      connecting = null
    })
    await connecting
  }
  const trim = {
    TRIM: { strategy: 'MAXLEN' as const, strategyModifier: '~' as const, threshold: maxLen },
  }
  return {
    async append(events) {
      await ready()
      // Issued in one tick, node-redis pipelines these into one round trip.
      await Promise.all(events.map((e) => client.xAdd(key, '*', toFields(e), trim)))
    },
    async query(query: AuditQuery) {
      await ready()
      const limit = queryLimit(query)
      const out: AuditRecord[] = []
      let end = '+'
      for (;;) {
        const page = await client.xRevRange(key, end, '-', { COUNT: PAGE })
        for (const entry of page) {
          const row = fromFields(String(entry.id), entry.message as Record<string, string>)
          if (matches(row.record, row.at, query)) out.push(row.record)
          if (out.length >= limit) return out
          end = `(${row.record.id}`
        }
        if (page.length < PAGE) return out
      }
    },
    async prune(before: number) {
      await ready()
      // Events arrive in time order, so everything older sits at the head: find the first entry
      // to keep and trim below it.
      let start = '-'
      let removed = 0
      for (;;) {
        const page = await client.xRange(key, start, '+', { COUNT: PAGE })
        for (const entry of page) {
          const id = String(entry.id)
          if (Number((entry.message as Record<string, string>).t) >= before) {
            if (removed > 0) await client.xTrim(key, 'MINID', id)
            return removed
          }
          removed++
          start = `(${id}`
        }
        if (page.length < PAGE) {
          // Everything is older than `before`.
          if (removed > 0) await client.xTrim(key, 'MAXLEN', 0)
          return removed
        }
      }
    },
    async close() {
      if (owned && client.isOpen) await client.close()
    },
  }
}

import { storeUnavailable } from '../../src/core/errors.js'
import type { SessionStore } from '../../src/core/store.js'
import type { Plugin } from '../../src/pipeline/types.js'

type StoreMethod = Exclude<
  keyof SessionStore,
  'close' | 'getSync' | 'observe' | 'ready' | 'address'
>

/**
 * Wraps a store so a test can make chosen methods fail the way a real outage does
 * (`ERR_STORE_UNAVAILABLE`) and can count the calls each method received. A store with
 * `getSync` keeps it (counted and failing as `get`), so the synchronous read path is the one
 * under test for the memory and SQLite stores.
 */
export function faultyStore(inner: SessionStore): {
  store: SessionStore
  failing: Set<StoreMethod>
  calls: Record<StoreMethod, number>
} {
  const failing = new Set<StoreMethod>()
  const calls: Record<StoreMethod, number> = {
    get: 0,
    create: 0,
    update: 0,
    destroy: 0,
    listByUser: 0,
    destroyByHandle: 0,
    destroyByUser: 0,
    ping: 0,
  }
  const guard = <T>(method: StoreMethod, call: () => Promise<T>): Promise<T> => {
    calls[method]++
    if (failing.has(method)) return Promise.reject(storeUnavailable(new Error('down')))
    return call()
  }
  const store: SessionStore = {
    get: (id) => guard('get', () => inner.get(id)),
    create: (record, options) => guard('create', () => inner.create(record, options)),
    update: (id, patch) => guard('update', () => inner.update(id, patch)),
    destroy: (id) => guard('destroy', () => inner.destroy(id)),
    listByUser: (userId) => guard('listByUser', () => inner.listByUser(userId)),
    destroyByHandle: (handle, o) =>
      guard('destroyByHandle', () => inner.destroyByHandle(handle, o)),
    destroyByUser: (userId, o) => guard('destroyByUser', () => inner.destroyByUser(userId, o)),
    ping: () => guard('ping', () => inner.ping()),
    close: () => inner.close(),
  }
  const { getSync } = inner
  if (getSync) {
    store.getSync = (id) => {
      calls.get++
      if (failing.has('get')) throw storeUnavailable(new Error('down'))
      return getSync.call(inner, id)
    }
  }
  return { store, failing, calls }
}

/** A stand-in header plugin: marks every response it reaches. */
export const markHeaders: Plugin = {
  name: 'test-headers',
  headers(_ctx, out) {
    out.push(['x-test-header', 'on'])
  },
}

/** A stand-in CSRF plugin: refuses POSTs without an `x-test-csrf` header. */
export const requireCsrfHeader: Plugin = {
  name: 'test-csrf',
  onRequest(ctx) {
    if (ctx.input.method !== 'POST' || ctx.input.header('x-test-csrf')) return undefined
    return { status: 403, code: 'ERR_CSRF', message: 'request refused' }
  },
}

/** A response as the suite inspects it. */
export interface Reply {
  status: number
  headers: Headers
  setCookies: string[]
  body: unknown
}

/** Sends a request to a running app. POSTs carry a JSON body and the test CSRF header. */
export async function send(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: {
    cookie?: string | undefined
    body?: unknown
    csrf?: boolean
    headers?: Record<string, string>
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.cookie) headers.cookie = options.cookie
  let body: string | undefined
  if (method === 'POST') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body ?? {})
    if (options.csrf !== false) headers['x-test-csrf'] = '1'
  }
  const res = await fetch(base + path, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not JSON (a framework's default 404 page, say): keep the text.
  }
  return {
    status: res.status,
    headers: res.headers,
    setCookies: res.headers.getSetCookie(),
    body: parsed,
  }
}

/** The `name=value` pair of the session cookie set by a reply, for the next request. */
export function sessionCookie(reply: Reply, name = '__Host-sid'): string {
  const line = reply.setCookies.find((c) => c.startsWith(`${name}=`))
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(reply.setCookies)}`)
  return line.split(';')[0]!
}

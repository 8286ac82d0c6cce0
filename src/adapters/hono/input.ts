import type { Context } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import { clientInfo, normalizeIp, type TrustProxy } from '../../pipeline/client.js'
import type { RequestInput } from '../../pipeline/types.js'

type RawHeaders = Record<string, string | string[] | undefined>
type NodeServerEnv =
  | { incoming?: { headers?: RawHeaders; socket?: { remoteAddress?: string } } }
  | undefined

/**
 * A {@link RequestInput} read off a Hono context. The peer address comes from the runtime's
 * `getConnInfo` when given, else from `@hono/node-server`'s socket when present (a property
 * read, no Node API), else it is unknown. Headers, too, are read off node-server's request
 * when there is one.
 *
 * @example
 * const input = new HonoInput(c, parseTrustProxy(undefined), getConnInfo)
 */
export class HonoInput implements RequestInput {
  readonly method: string
  readonly path: string
  readonly query: string
  readonly secure: boolean
  readonly ip: string | undefined
  readonly #c: Context
  readonly #raw: RawHeaders | undefined

  constructor(c: Context, trust: TrustProxy, getConnInfo: GetConnInfo | undefined) {
    this.#c = c
    const incoming = (c.env as NodeServerEnv)?.incoming
    // On @hono/node-server, reading c.req headers would build a full Fetch Request per request.
    this.#raw = incoming?.headers
    const url = c.req.url
    const q = url.indexOf('?')
    this.method = c.req.method
    this.path = c.req.path
    this.query = q === -1 ? '' : url.slice(q + 1)
    const peer = getConnInfo ? getConnInfo(c).remote.address : incoming?.socket?.remoteAddress
    const https = url.startsWith('https:')
    if (trust.length === 0) {
      this.ip = peer ? normalizeIp(peer) : undefined
      this.secure = https
    } else {
      const info = clientInfo(peer, https, (name) => this.header(name), trust)
      this.ip = info.ip
      this.secure = info.secure
    }
  }

  header(name: string): string | undefined {
    if (!this.#raw) return this.#c.req.header(name) ?? undefined
    const v = this.#raw[name]
    return typeof v === 'string' ? v : v?.[0]
  }
}

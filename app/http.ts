import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'

/** A request error with a status and a stable code; its message is safe to show. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const MAX_BODY = 16 * 1024

/** Reads the body (at most 16 KiB) as text. */
async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new HttpError(413, 'ERR_BODY_TOO_LARGE', 'request body too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses a JSON object body; 415 for other content types, 400 for bad JSON. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json')
    throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'expected application/json')
  const text = await readText(req)
  let value: unknown
  try {
    value = text.length === 0 ? {} : JSON.parse(text)
  } catch {
    throw new HttpError(400, 'ERR_BAD_JSON', 'malformed JSON body')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, 'ERR_BAD_JSON', 'expected a JSON object')
  return value as Record<string, unknown>
}

/** Parses an `application/x-www-form-urlencoded` body. */
export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded')
    throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'expected a form')
  const out: Record<string, string> = Object.create(null)
  for (const [k, v] of new URLSearchParams(await readText(req))) out[k] = v
  return out
}

/** Sends JSON. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.end(JSON.stringify(body))
}

/** Sends the standard error body. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  json(res, status, { error: { code, message } })
}

/** Sends HTML. */
export function html(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(body)
}

/** A 303 redirect (after a form post). */
export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303
  res.setHeader('location', location)
  res.end()
}

/** A route handler. `params` holds `:name` segments. */
export type Route = (
  req: SessionRequest,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown

/**
 * A tiny method+path router: exact paths in a map, `:param` paths matched segment by segment.
 */
export class Router {
  readonly #exact = new Map<string, Route>()
  readonly #patterns: Array<{ method: string; parts: string[]; route: Route }> = []

  on(method: string, path: string, route: Route): this {
    if (path.includes(':')) this.#patterns.push({ method, parts: path.split('/'), route })
    else this.#exact.set(`${method} ${path}`, route)
    return this
  }

  /** The route and its params, or `allowed` methods for a 405, or null for a 404. */
  match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const exact =
      this.#exact.get(`${method} ${path}`) ??
      (method === 'HEAD' ? this.#exact.get(`GET ${path}`) : undefined)
    if (exact) return { route: exact, params: {} }
    const segs = path.split('/')
    const allowed: string[] = []
    for (const p of this.#patterns) {
      if (p.parts.length !== segs.length) continue
      const params: Record<string, string> = {}
      let ok = true
      for (let i = 0; i < segs.length && ok; i++) {
        const part = p.parts[i]!
        if (part.startsWith(':')) {
          try {
            params[part.slice(1)] = decodeURIComponent(segs[i]!)
          } catch {
            ok = false
          }
        } else ok = part === segs[i]
      }
      if (!ok) continue
      if (p.method === method) return { route: p.route, params }
      allowed.push(p.method)
    }
    for (const key of this.#exact.keys()) {
      const [m, pth] = key.split(' ')
      if (pth === path) allowed.push(m!)
    }
    return allowed.length > 0 ? { allowed } : null
  }
}

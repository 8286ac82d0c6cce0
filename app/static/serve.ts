import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'

interface Asset {
  body: Buffer
  type: string
  etag: string
  /** Content hash used as `?v=` in links, so the URL changes whenever the file does. */
  version: string
}

function load(file: string, type: string): Asset {
  const body = readFileSync(new URL(file, import.meta.url))
  const hash = createHash('sha256').update(body).digest('base64url')
  return { body, type, etag: `"${hash.slice(0, 22)}"`, version: hash.slice(0, 10) }
}

// Read once at start-up: a fixed list, so no request path ever reaches the file system.
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/static/app.css', load('./app.css', 'text/css; charset=utf-8')],
])

/**
 * The link to a static asset, versioned by its content hash (so it can be cached for a year).
 *
 * @example
 * assetUrl('/static/app.css') // '/static/app.css?v=Zk3…'
 */
export function assetUrl(path: string): string {
  const a = ASSETS.get(path)
  return a ? `${path}?v=${a.version}` : path
}

/**
 * Serves the app's static files in front of the session pipeline: a stylesheet needs no
 * session, so it costs no store read and is cacheable. A versioned URL (`?v=` matching the
 * content) is `immutable` for a year; anything else must revalidate with its ETag.
 *
 * @example
 * const handler = withStatic(nodeHandler(pipeline, routes))
 */
export function withStatic(
  next: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = req.url ?? '/'
    if (!url.startsWith('/static/')) return next(req, res)
    const q = url.indexOf('?')
    const asset = ASSETS.get(q === -1 ? url : url.slice(0, q))
    if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) return next(req, res)
    const version = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('v')
    res.setHeader('content-type', asset.type)
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('cross-origin-resource-policy', 'same-origin')
    res.setHeader('etag', asset.etag)
    res.setHeader(
      'cache-control',
      version === asset.version ? 'public, max-age=31536000, immutable' : 'public, no-cache',
    )
    if (req.headers['if-none-match'] === asset.etag) {
      res.statusCode = 304
      return void res.end()
    }
    res.setHeader('content-length', asset.body.length)
    res.statusCode = 200
    res.end(req.method === 'HEAD' ? undefined : asset.body)
  }
}

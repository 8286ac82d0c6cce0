import type { IncomingMessage, ServerResponse } from 'node:http'
import { configAssert } from '../core/errors.js'
import { assertKnownKeys, optionKeys } from '../internal/strict.js'
import { SECURITY_HEADERS } from '../headers/defaults.js'

/** Options of {@link httpsRedirect}. */
export interface HttpsRedirectOptions {
  /** The public HTTPS origin to send browsers to, e.g. `https://bank.example`. */
  origin: string
  /** Path prefixes of the API, refused instead of redirected. Default `['/api/']`. */
  apiPrefixes?: readonly string[]
}

const KEYS = optionKeys<HttpsRedirectOptions>({ origin: true, apiPrefixes: true })

const REFUSAL = JSON.stringify({
  error: { code: 'ERR_HTTPS_REQUIRED', message: 'this API is only served over HTTPS' },
})

/**
 * The request listener for the plain-HTTP port. Page requests are redirected to the HTTPS
 * origin (301 for GET/HEAD, 308 otherwise); API requests get a 403 `ERR_HTTPS_REQUIRED`
 * instead, because a redirected API client would send its credentials a second time and
 * callers should notice their misconfiguration. It never runs the session pipeline, so no
 * session is read and no cookie is ever set over plain HTTP. The target host is the configured
 * origin, never the request's `Host` header (no open redirect).
 *
 * @example
 * http.createServer(httpsRedirect({ origin: 'https://bank.example' })).listen(80)
 */
export function httpsRedirect(
  options: HttpsRedirectOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  assertKnownKeys(options, KEYS, 'httpsRedirect()')
  let origin = ''
  try {
    origin = new URL(options.origin).origin
  } catch {}
  configAssert(
    origin === options.origin && origin.startsWith('https://'),
    `httpsRedirect: origin ${JSON.stringify(options.origin)} must be https://host[:port]`,
  )
  const prefixes = options.apiPrefixes ?? ['/api/']
  const exact = prefixes.map((p) => (p.endsWith('/') ? p.slice(0, -1) : p))
  const fixed = Object.entries(SECURITY_HEADERS.headers)

  return (req, res) => {
    for (const [name, value] of fixed) res.setHeader(name, value)
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    if (prefixes.some((p) => path.startsWith(p)) || exact.includes(path)) {
      res.statusCode = 403
      res.setHeader('content-type', 'application/json; charset=utf-8')
      res.setHeader('cache-control', 'no-store')
      res.end(REFUSAL)
      return
    }
    // Only origin-form targets ("/path?query") are kept; anything else goes to the home page.
    const target = url.startsWith('/') && !url.startsWith('//') ? url : '/'
    res.statusCode = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308
    res.setHeader('location', origin + target)
    res.end()
  }
}

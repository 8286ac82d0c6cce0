import { type Pipeline, rejectionBody } from './pipeline.js'
import { JSON_CONTENT_TYPE, rejectionHeaders } from './respond.js'
import type { HeaderList, Rejection, RequestContext } from './types.js'

/**
 * Writes headers onto Fetch `Headers`; `Set-Cookie` is appended, never replaced. Throws a
 * `TypeError` on immutable headers (responses from `fetch()`, `Response.redirect()`).
 *
 * @example
 * putHeaders(response.headers, pipeline.responseHeaders(ctx))
 */
export function putHeaders(target: Headers, headers: HeaderList): void {
  for (const [name, value] of headers) {
    if (name === 'set-cookie') target.append(name, value)
    else target.set(name, value)
  }
}

/**
 * A refusal as a Fetch `Response`: status, pipeline headers, JSON error body.
 *
 * @example
 * if (rejection) return refusalResponse(pipeline, ctx, rejection)
 */
export function refusalResponse(
  pipeline: Pipeline,
  ctx: RequestContext | null,
  r: Rejection,
): Response {
  const headers = rejectionHeaders(pipeline, ctx, r)
  headers.push(['content-type', JSON_CONTENT_TYPE])
  return new Response(rejectionBody(r), { status: r.status, headers })
}

import type { Pipeline } from './pipeline.js'
import type { HeaderList, Rejection, RequestContext } from './types.js'

/** The `Content-Type` of every refusal body ({@link rejectionBody}). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/**
 * Every header a refusal carries: the pipeline's (plugin headers, a clearing cookie, …) and
 * the rejection's own (e.g. `Retry-After`). Shared so each adapter answers refusals alike.
 *
 * @example
 * const headers = rejectionHeaders(pipeline, ctx, rejection)
 * reply.code(rejection.status).headers(Object.fromEntries(headers))
 */
export function rejectionHeaders(
  pipeline: Pipeline,
  ctx: RequestContext | null,
  r: Rejection,
): HeaderList {
  const out = pipeline.responseHeaders(ctx)
  if (r.headers) for (const h of r.headers) out.push(h)
  return out
}

/**
 * The headers of a vetoed response ({@link Pipeline.veto}): the pipeline's and the rejection's,
 * less every `Set-Cookie`, so a refused request changes no cookie (its session is not committed
 * either).
 *
 * @example
 * const veto = pipeline.veto(ctx)
 * if (veto) send(veto.status, vetoHeaders(pipeline, ctx, veto))
 */
export function vetoHeaders(
  pipeline: Pipeline,
  ctx: RequestContext | null,
  r: Rejection,
): HeaderList {
  return rejectionHeaders(pipeline, ctx, r).filter((h) => h[0] !== 'set-cookie')
}

import type { RequestLocals } from '../pipeline/types.js'

/** Anything that carries the request's plugin locals: a pipeline context or an adapter request. */
export type HasLocals = { locals: RequestLocals } | { tessera: { locals: RequestLocals } }

/**
 * The CSP nonce of this response (set by the security headers plugin), or '' without it.
 * Put it on every `<script>` and `<style>`/stylesheet `<link>` the page itself writes.
 *
 * @example
 * html`<script nonce="${cspNonce(req)}" src="/static/app.js"></script>`
 */
export function cspNonce(source: HasLocals): string {
  const locals = 'tessera' in source ? source.tessera.locals : source.locals
  const n = locals.cspNonce
  return typeof n === 'string' ? n : ''
}

/**
 * Tessera's XSS helpers: the `html` tagged template (context-aware escaping), URL checking,
 * JSON data islands and the request's CSP nonce.
 *
 * @example
 * import { html, cspNonce } from 'tessera-session/html'
 * const page = html`<link rel="stylesheet" href="/static/app.css" nonce="${cspNonce(req)}">
 *   <h1>Hello ${user.name}</h1><a href="${user.website}">site</a>`
 */
export { HtmlTemplateError, type HoleContext } from './context.js'
export { escapeHtml } from './escape.js'
export { jsonScript, scriptSafeJson } from './json.js'
export { cspNonce, type HasLocals } from './nonce.js'
export { SafeHtml, unsafeRaw } from './safe.js'
export { html } from './template.js'
export { ALLOWED_SCHEMES, BLOCKED_URL, safeUrl } from './url.js'

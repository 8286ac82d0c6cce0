import { escapeHtml } from './escape.js'
import { type SafeHtml, trusted } from './safe.js'

// Inside <script> the HTML parser only looks for `</script` and `<!--`; JSON never needs a raw
// `<`, `>` or `&`, and U+2028/2029 break pre-ES2019 JavaScript parsers. Encode all five.
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g
const toUnicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/**
 * JSON text that is safe inside a `<script>` element (no `</script>`, no `<!--`).
 *
 * @example
 * scriptSafeJson({ memo: '</script>' }) // '{"memo":"\\u003c/script\\u003e"}'
 */
export function scriptSafeJson(data: unknown): string {
  return (JSON.stringify(data) ?? 'null').replace(UNSAFE_IN_SCRIPT, toUnicodeEscape)
}

/**
 * A `<script type="application/json">` data island: the way to hand server data to a page's
 * scripts (read it with `JSON.parse(document.getElementById(id).textContent)`). The browser
 * never executes it; the nonce is added when given so strict CSP reports stay quiet.
 *
 * @example
 * html`<body>${jsonScript('state', { balance: 12.5 }, cspNonce(req))}</body>`
 */
export function jsonScript(id: string, data: unknown, nonce?: string): SafeHtml {
  const n = nonce ? ` nonce="${escapeHtml(nonce)}"` : ''
  return trusted(
    `<script type="application/json" id="${escapeHtml(id)}"${n}>${scriptSafeJson(data)}</script>`,
  )
}

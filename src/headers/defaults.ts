/**
 * CSP directives: source lists by directive name. The source `'nonce'` stands for this
 * response's nonce and is written out as `'nonce-<base64>'`.
 */
export type CspDirectives = Readonly<Record<string, readonly string[]>>

/** The placeholder for the per-response nonce inside a CSP source list. */
export const NONCE_SOURCE = "'nonce'"

/**
 * Tessera's security headers, as data. A strict, nonce-based CSP (Google's "strict CSP"
 * shape): scripts run only with this response's nonce, and scripts they load inherit trust
 * (`'strict-dynamic'`), so no host allow-list can be bypassed through a JSONP endpoint.
 * Everything else falls back to `default-src 'self'`: stylesheets and images from this origin,
 * no inline styles, no `data:` images (add `style-src`/`img-src` if a page needs them).
 *
 * Every header costs every response (Node validates and writes each one; clients parse each
 * one), so the set is what browsers act on and what scanners expect. `X-Frame-Options: DENY`
 * stays beside CSP `frame-ancestors 'none'`: current browsers obey the CSP directive and ignore
 * the legacy header when both are present, but older clients and compliance scanners only know
 * the header (helmet, Django and Rails send it too). If you allow framing through
 * `frame-ancestors`, change or remove it as well. Left out: `Cross-Origin-Resource-Policy`
 * (browsers' opaque-response blocking already keeps cross-origin JSON and HTML unreadable);
 * add it through `headers` if you need it.
 *
 * @example
 * SECURITY_HEADERS.csp['script-src'] // ["'nonce'", "'strict-dynamic'"]
 */
export const SECURITY_HEADERS = Object.freeze({
  csp: Object.freeze({
    'default-src': ["'self'"],
    'script-src': [NONCE_SOURCE, "'strict-dynamic'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
  }) as CspDirectives,
  /** Sent on HTTPS responses only: browsers ignore it over HTTP, and it must not pin a dev host. */
  hsts: 'max-age=31536000; includeSubDomains',
  /** Sent on every response. Lower-case names. */
  headers: Object.freeze({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // Stricter than the browsers' default (strict-origin-when-cross-origin) and Django's
    // choice: full referrer to this origin (the CSRF Referer fallback keeps working), none
    // to others.
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    // The powerful features a session-bearing page should never hand to itself or a frame
    // without saying so.
    'permissions-policy': 'camera=(), geolocation=(), microphone=(), payment=(), usb=()',
    // The legacy XSS auditor could be abused to blank out parts of pages; turn it off.
    'x-xss-protection': '0',
  }) as Readonly<Record<string, string>>,
})

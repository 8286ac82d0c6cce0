import { configAssert } from '../core/errors.js'
import { assertKnownKeys, optionKeys } from '../internal/strict.js'
import type { HeaderList, Plugin, RequestContext } from '../pipeline/types.js'
import { compileCsp } from './csp.js'
import { type CspDirectives, SECURITY_HEADERS } from './defaults.js'
import { randomBase64 } from './random-pool.js'

/** Options of {@link securityHeaders}; everything defaults to {@link SECURITY_HEADERS}. */
export interface SecurityHeadersOptions {
  /**
   * CSP directives merged over the defaults (a directive set to `null` is removed), or `false`
   * for no CSP at all. Use the source `'nonce'` where the per-response nonce goes.
   */
  csp?: Readonly<Record<string, readonly string[] | null>> | false
  /** Send `Content-Security-Policy-Report-Only` instead (to trial a policy). Default false. */
  cspReportOnly?: boolean
  /** `Strict-Transport-Security` value for HTTPS responses, or `false` to omit it. */
  hsts?: string | false
  /** Other headers: a string overrides or adds one, `false` removes a default. */
  headers?: Readonly<Record<string, string | false>>
}

// RFC 9110 field-name token, lower-case only (HeaderList names are lower-case).
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/
// Visible ASCII and spaces only: no CR/LF header splitting, no obs-text.
const FIELD_VALUE = /^[\x20-\x7e]*$/
const HSTS_MAX_AGE = /(?:^|;)\s*max-age=(\d+)/i

const KEYS = optionKeys<SecurityHeadersOptions>({
  csp: true,
  cspReportOnly: true,
  hsts: true,
  headers: true,
})

// CSP Level 3 directive names (plus the still-sent legacy ones): a misspelt directive such as
// `img-scr` is ignored by browsers, so the policy would silently miss it.
const CSP_DIRECTIVES = (
  'default-src script-src script-src-elem script-src-attr style-src style-src-elem ' +
  'style-src-attr img-src font-src connect-src media-src object-src frame-src child-src ' +
  'worker-src manifest-src fenced-frame-src prefetch-src base-uri sandbox form-action ' +
  'frame-ancestors report-uri report-to require-trusted-types-for trusted-types ' +
  'upgrade-insecure-requests block-all-mixed-content webrtc'
).split(' ')

/** Bytes of randomness in a CSP nonce: 128 bits, the CSP spec's minimum. */
export const NONCE_BYTES = 16

/**
 * The security-headers plugin: a fresh CSP nonce per request (exposed to handlers as
 * `ctx.locals.cspNonce`) and the headers of {@link SECURITY_HEADERS} on every response,
 * including refusals, redirects, 404s and errors. HSTS goes on HTTPS responses only.
 * Everything is validated and pre-rendered here, at start-up; a response costs one pooled
 * random read and one string concatenation.
 *
 * @example
 * const plugins = [
 *   securityHeaders({ csp: { 'img-src': ["'self'", 'https://images.example'] } }),
 *   csrf({ sessions, origins: ['https://bank.example'] }),
 * ]
 * app.use(expressSessions(sessions, { plugins }))
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): Plugin {
  assertKnownKeys(options, KEYS, 'securityHeaders()')
  const fixed: HeaderList = []
  for (const [name, value] of Object.entries({
    ...SECURITY_HEADERS.headers,
    ...options.headers,
  })) {
    if (value === false) continue
    configAssert(FIELD_NAME.test(name), `header name ${JSON.stringify(name)} must be lower-case`)
    configAssert(
      typeof value === 'string' && FIELD_VALUE.test(value),
      `header ${name} has an invalid value`,
    )
    fixed.push([name, value])
  }
  const hsts = options.hsts === undefined ? SECURITY_HEADERS.hsts : options.hsts
  if (hsts !== false) {
    configAssert(
      typeof hsts === 'string' && FIELD_VALUE.test(hsts) && HSTS_MAX_AGE.test(hsts),
      'hsts must be a Strict-Transport-Security value with max-age, or false',
    )
  }
  const csp = options.csp === false ? null : compileCsp(mergeCsp(options.csp))
  const cspName = options.cspReportOnly
    ? 'content-security-policy-report-only'
    : 'content-security-policy'

  return {
    name: 'security-headers',
    onRequest(ctx: RequestContext) {
      ctx.locals.cspNonce = randomBase64(NONCE_BYTES)
      return undefined
    },
    headers(ctx: RequestContext, out: HeaderList) {
      for (let i = 0; i < fixed.length; i++) out.push(fixed[i]!)
      if (csp) {
        // A refusal by an earlier plugin skips our onRequest; the response still gets a nonce.
        ctx.locals.cspNonce ??= randomBase64(NONCE_BYTES)
        out.push([cspName, csp.render(ctx.locals.cspNonce)])
      }
      if (hsts && ctx.input.secure) out.push(['strict-transport-security', hsts])
    },
  }
}

function mergeCsp(
  overrides: Readonly<Record<string, readonly string[] | null>> | undefined,
): CspDirectives {
  assertKnownKeys(overrides, CSP_DIRECTIVES, 'securityHeaders() csp')
  const merged: Record<string, readonly string[]> = { ...SECURITY_HEADERS.csp }
  for (const [name, sources] of Object.entries(overrides ?? {})) {
    if (sources === null) delete merged[name]
    else merged[name] = sources
  }
  return merged
}

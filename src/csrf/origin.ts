import { configAssert } from '../core/errors.js'
import type { RequestInput } from '../pipeline/types.js'

/** Why a request's source was refused (the `reason` of the `malicious_csrf` event). */
export type SourceRefusal =
  | 'fetch_metadata_cross_site'
  | 'fetch_metadata_same_site'
  | 'fetch_metadata_invalid'
  | 'origin_null'
  | 'origin_mismatch'
  | 'referer_mismatch'

/**
 * Normalises and validates configured origins: each must be exactly `scheme://host[:port]`
 * (what browsers send in `Origin`), so the per-request check is a string lookup.
 *
 * @example
 * parseOrigins(['https://bank.example']) // ['https://bank.example']
 */
export function parseOrigins(list: readonly string[] | undefined, what: string): string[] {
  const out: string[] = []
  for (const o of list ?? []) {
    let origin = 'null'
    try {
      origin = new URL(o).origin
    } catch {}
    configAssert(
      origin !== 'null' && origin === o,
      `${what}: ${JSON.stringify(o)} is not an origin; write scheme://host[:port] with no path or trailing slash`,
    )
    out.push(origin)
  }
  return out
}

/**
 * Layers 1 and 2 of the CSRF defence, compiled once: Fetch Metadata, then `Origin` (or, without
 * it, `Referer`). Requests with neither (non-browser clients) pass here and still need a token.
 *
 * @example
 * const check = new SourceCheck(['https://bank.example'], [])
 * check.refusal(input) // null, or why the request is refused
 */
export class SourceCheck {
  readonly #allowed: Set<string>
  readonly #refererPrefixes: string[]
  readonly #trustSameSite: boolean

  constructor(origins: readonly string[], trustedOrigins: readonly string[]) {
    const all = [...origins, ...trustedOrigins]
    this.#allowed = new Set(all)
    this.#refererPrefixes = all.map((o) => `${o}/`)
    this.#trustSameSite = trustedOrigins.length > 0
  }

  /** Why the request's source is refused, or null when layers 1 and 2 accept it. */
  refusal(input: RequestInput): SourceRefusal | null {
    const site = input.header('sec-fetch-site')
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      if (site === 'cross-site') return 'fetch_metadata_cross_site'
      if (site !== 'same-site') return 'fetch_metadata_invalid'
      if (!this.#trustSameSite) return 'fetch_metadata_same_site'
    }
    const origin = input.header('origin')
    if (origin !== undefined) {
      // Browsers send `null` for sandboxed frames, data: URLs and some redirects: never trusted.
      if (origin === 'null') return 'origin_null'
      return this.#allowed.has(origin) ? null : 'origin_mismatch'
    }
    const referer = input.header('referer')
    if (referer !== undefined) {
      // A prefix test against "origin/" is exact: "https://a.example.evil/" and
      // "https://a.example@evil/" do not start with "https://a.example/".
      for (const p of this.#refererPrefixes) if (referer.startsWith(p)) return null
      return 'referer_mismatch'
    }
    return null
  }
}

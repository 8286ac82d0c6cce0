import { configAssert } from '../core/errors.js'
import { type CspDirectives, NONCE_SOURCE } from './defaults.js'

// Directive names and sources are tokens; `;` or `,` inside one would inject a new directive or
// policy, and CR/LF would split the header.
const DIRECTIVE_NAME = /^[a-z][a-z0-9-]*$/
const SOURCE = /^[^\s;,]+$/

/**
 * A CSP compiled once: the policy text cut at each nonce position, so a response only
 * concatenates strings.
 *
 * @example
 * const csp = compileCsp({ 'script-src': ["'nonce'"] })
 * csp.render('abc') // "script-src 'nonce-abc'"
 */
export class CompiledCsp {
  readonly #parts: readonly string[]
  /** True when the policy mentions the nonce. */
  readonly usesNonce: boolean

  constructor(parts: readonly string[]) {
    this.#parts = parts
    this.usesNonce = parts.length > 1
  }

  /** The policy with `nonce` filled in. */
  render(nonce: string): string {
    const p = this.#parts
    let s = p[0]!
    for (let i = 1; i < p.length; i++) s += nonce + p[i]!
    return s
  }
}

/**
 * Validates and compiles CSP directives. Throws `ERR_CONFIG` on a malformed name or source.
 *
 * @example
 * compileCsp(SECURITY_HEADERS.csp).render(nonce)
 */
export function compileCsp(directives: CspDirectives): CompiledCsp {
  const text: string[] = []
  for (const [name, sources] of Object.entries(directives)) {
    configAssert(DIRECTIVE_NAME.test(name), `CSP directive ${JSON.stringify(name)} is not valid`)
    configAssert(Array.isArray(sources), `CSP directive ${name} must be a list of sources`)
    for (const s of sources) {
      configAssert(
        typeof s === 'string' && SOURCE.test(s),
        `CSP source ${JSON.stringify(s)} in ${name} is not valid`,
      )
    }
    const list = sources.map((s) => (s === NONCE_SOURCE ? "'nonce-\u0000'" : s))
    text.push(list.length > 0 ? `${name} ${list.join(' ')}` : name)
  }
  return new CompiledCsp(text.join('; ').split('\u0000'))
}

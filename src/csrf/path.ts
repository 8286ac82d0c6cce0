import type { RequestInput } from '../pipeline/types.js'

/**
 * The path as the most lenient router would match it: percent-decoded, lower-cased, repeated
 * slashes collapsed. Express matches routes case-insensitively, Fastify and Hono percent-decode,
 * so `/API/transfer` and `/%61pi/transfer` both reach a route written `/api/transfer` somewhere.
 * A path that does not decode is returned as null (the caller then defers nothing).
 *
 * @example
 * routedPath('/%61pi//Transfer') // '/api/transfer'
 */
export function routedPath(path: string): string | null {
  let p = path
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p)
    } catch {
      return null
    }
  }
  p = p.toLowerCase()
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/')
  return p
}

/**
 * A request seen through its {@link routedPath}: what a `deferForms` predicate is given, so a
 * predicate written against the routes' own spelling holds whatever spelling the client sent.
 *
 * @example
 * options.deferForms(new RoutedInput(input, '/api/transfer'))
 */
export class RoutedInput implements RequestInput {
  readonly method: string
  readonly query: string
  readonly secure: boolean
  readonly ip: string | undefined
  readonly #inner: RequestInput

  constructor(
    inner: RequestInput,
    readonly path: string,
  ) {
    this.#inner = inner
    this.method = inner.method
    this.query = inner.query
    this.secure = inner.secure
    this.ip = inner.ip
  }

  header(name: string): string | undefined {
    return this.#inner.header(name)
  }
}

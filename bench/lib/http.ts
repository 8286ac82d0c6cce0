import { type IncomingHttpHeaders, request } from 'node:http'

/** A request the harness sends itself (login, checks), outside the timed load. */
export interface CallSpec {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
}

/** What came back. */
export interface CallResult {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * One HTTP request to a loopback server, with a timeout; never uses a pooled socket so that
 * checks cannot interfere with the load generator's connections.
 *
 * @example
 * const r = await call(port, { method: 'GET', path: '/me' })
 */
export function call(port: number, spec: CallSpec, timeoutMs = 10_000): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...spec.headers }
    if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body)
    const req = request(
      { host: '127.0.0.1', port, method: spec.method, path: spec.path, headers, agent: false },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          body += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        res.on('error', reject)
      },
    )
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${spec.method} ${spec.path} timed out`)))
    req.on('error', reject)
    req.end(spec.body)
  })
}

/** The `name=value` pairs of a response's `Set-Cookie` headers, joined for a `Cookie` header. */
export function cookieHeader(setCookie: readonly string[] | undefined): string {
  return (setCookie ?? []).map((c) => c.split(';', 1)[0]).join('; ')
}

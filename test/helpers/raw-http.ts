import { type IncomingHttpHeaders, request as httpRequest } from 'node:http'

/** What {@link rawRequest} answers: status, every response header, the body as text. */
export interface RawReply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * One HTTP request to 127.0.0.1 with exactly the headers given: nothing added by a client
 * library (fetch would add Sec-Fetch-* and drop some), as the CSRF and header tests need.
 *
 * @example
 * const r = await rawRequest(port, 'POST', '/api/transfer', { origin: 'https://evil.example' })
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

// The auditor's only way to the network. It holds the politeness rules in one place: a request
// budget, a rate (token bucket), one base URL, and no redirects followed (a redirect off the
// target must never carry the test accounts' cookies elsewhere).
import { createHash } from 'node:crypto'

/** A response as the checks see it (the body read once, as text and, when it parses, JSON). */
export interface HttpResponse {
  status: number
  headers: Headers
  setCookies: string[]
  text: string
  json: unknown
}

/** What a request carries. `form` posts urlencoded; `json` posts JSON. */
export interface HttpRequest {
  headers?: Record<string, string>
  json?: unknown
  form?: Record<string, string>
}

/** Thrown when the request budget is spent; the running check ends as SKIP. */
export class BudgetExhausted extends Error {
  override name = 'BudgetExhausted'
}

/**
 * A short, stable fingerprint of a secret for reports: the first 12 hex digits of its SHA-256.
 * Raw tokens are never printed.
 *
 * @example
 * fingerprint('secret-token') // '#0f3c…' (12 hex digits)
 */
export function fingerprint(token: string | null | undefined): string {
  if (!token) return '(none)'
  return `#${createHash('sha256').update(token).digest('hex').slice(0, 12)}`
}

/**
 * HTTP client with a budget and a rate limit.
 *
 * @example
 * const http = new AuditHttp('http://127.0.0.1:3000', { budget: 2000, rate: 50 })
 * const res = await http.send('GET', '/api/me')
 */
export class AuditHttp {
  sent = 0
  #tokens: number
  #last = performance.now()
  #queue: Promise<void> = Promise.resolve()

  constructor(
    readonly baseUrl: string,
    readonly options: { budget: number; rate: number },
  ) {
    this.#tokens = Math.max(1, Math.ceil(options.rate))
  }

  /** Requests left in the budget. */
  get left(): number {
    return this.options.budget - this.sent
  }

  /**
   * Sends one request to the target (`path` on the base URL), after its turn in the rate limit;
   * throws {@link BudgetExhausted} once the budget is spent.
   */
  async send(method: string, path: string, request: HttpRequest = {}): Promise<HttpResponse> {
    if (this.sent >= this.options.budget)
      throw new BudgetExhausted(`request budget of ${this.options.budget} spent`)
    this.sent++
    await this.#slot()
    const headers: Record<string, string> = { ...request.headers }
    let body: string | undefined
    if (request.json !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = JSON.stringify(request.json)
    } else if (request.form !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded'
      body = new URLSearchParams(request.form).toString()
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    let json: unknown = null
    try {
      json = JSON.parse(text)
    } catch {}
    return {
      status: res.status,
      headers: res.headers,
      setCookies: res.headers.getSetCookie(),
      text,
      json,
    }
  }

  // Token bucket, refilled at `rate` per second up to one second's worth; callers queue in order.
  #slot(): Promise<void> {
    const next = this.#queue.then(async () => {
      for (;;) {
        const now = performance.now()
        const burst = Math.max(1, Math.ceil(this.options.rate))
        this.#tokens = Math.min(
          burst,
          this.#tokens + ((now - this.#last) / 1000) * this.options.rate,
        )
        this.#last = now
        if (this.#tokens >= 1) {
          this.#tokens -= 1
          return
        }
        await new Promise((r) => setTimeout(r, ((1 - this.#tokens) / this.options.rate) * 1000))
      }
    })
    this.#queue = next
    return next
  }
}

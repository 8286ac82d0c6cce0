// One simulated client of the target: a cookie jar, the current CSRF token, and the target's
// flows (log in, read, write, log out). The jar deliberately ignores Max-Age and Expires except
// for deletion: an attacker holding a copied cookie ignores them too, so only the server's
// refusal counts as "ended".
import { isClearing, parseSetCookie } from './cookies.js'
import type { AuditHttp, HttpRequest, HttpResponse } from './http.js'
import type { Account, Target } from './target.js'

/** A simulated browser or API client. */
export class Agent {
  readonly jar = new Map<string, string>()
  csrf: string | null = null
  /** Every Set-Cookie header received, in order (cookie-attribute checks read these). */
  readonly received: string[] = []

  constructor(
    readonly target: Target,
    readonly http: AuditHttp,
  ) {}

  /** The session cookie's current value, or null. */
  get sid(): string | null {
    return this.jar.get(this.target.sessionCookie) ?? null
  }

  /** The `Cookie` header of the jar (null when empty). */
  get cookieHeader(): string | null {
    if (this.jar.size === 0) return null
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  /** Applies a response's Set-Cookie headers to the jar, in order. */
  absorb(res: HttpResponse): void {
    for (const header of res.setCookies) {
      this.received.push(header)
      const c = parseSetCookie(header)
      if (!c) continue
      if (isClearing(c)) this.jar.delete(c.name)
      else this.jar.set(c.name, c.value)
    }
    const token = pick(res.json, this.target.csrf?.jsonField)
    if (token) this.csrf = token
  }

  /**
   * Sends a request with the jar's cookies (or `cookie` instead), the same-site Origin and, for
   * state changes, the CSRF header. `absorb: false` leaves the jar as it was.
   */
  async send(
    method: string,
    path: string,
    request: HttpRequest & { cookie?: string | null; csrf?: boolean; absorb?: boolean } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = {}
    const unsafe = method !== 'GET' && method !== 'HEAD'
    if (unsafe) headers.origin = this.target.origin
    const cookie = request.cookie === undefined ? this.cookieHeader : request.cookie
    if (cookie) headers.cookie = cookie
    if (unsafe && request.csrf !== false && this.csrf && this.target.csrf)
      headers[this.target.csrf.header] = this.csrf
    Object.assign(headers, request.headers)
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k]
    const res = await this.http.send(method, path, { ...request, headers })
    if (request.absorb !== false) this.absorb(res)
    return res
  }

  /** Fetches a CSRF token from the target's CSRF endpoint (if it declares one). */
  async fetchCsrf(): Promise<void> {
    if (this.target.csrf) await this.send('GET', this.target.csrf.path)
  }

  /** Logs in by the target's login (JSON or form, with CSRF when declared). */
  async login(account: Account, via: 'json' | 'form' = 'json'): Promise<HttpResponse> {
    const t = this.target
    if (via === 'form' && t.formLogin) {
      const page = await this.send('GET', t.formLogin.page)
      const field = t.csrf?.formField ?? 'csrf'
      const token = hiddenField(page.text, field)
      const form: Record<string, string> = {
        [t.formLogin.usernameField]: account.username,
        [t.formLogin.passwordField]: account.password,
      }
      if (token) form[field] = token
      const res = await this.send('POST', t.formLogin.path, { form, csrf: false })
      await this.fetchCsrf()
      return res
    }
    await this.fetchCsrf()
    const fields = {
      [t.login.usernameField]: account.username,
      [t.login.passwordField]: account.password,
    }
    const res = await this.send(
      'POST',
      t.login.path,
      t.login.format === 'json' ? { json: fields } : { form: fields },
    )
    if (res.status < 300 && !pick(res.json, t.csrf?.jsonField)) await this.fetchCsrf()
    return res
  }

  /** Reads the protected endpoint with the jar (or `cookie`); true when signed in. */
  async signedIn(cookie?: string | null): Promise<boolean> {
    return isSignedIn(
      this.target,
      await this.send('GET', this.target.protected.path, { cookie, absorb: cookie === undefined }),
    )
  }

  /** The declared state-changing call; true when it was accepted (2xx). */
  async write(
    request: {
      cookie?: string | null
      csrf?: boolean
      headers?: Record<string, string>
      absorb?: boolean
    } = {},
  ): Promise<HttpResponse> {
    const w = this.target.write
    return this.send(w.method, w.path, { json: w.body, ...request })
  }

  /** Logs out by the declared endpoint. */
  logout(): Promise<HttpResponse> {
    return this.send(this.target.logout.method, this.target.logout.path, { json: {} })
  }
}

/** True when the response shows a signed-in user by the target's rule. */
export function isSignedIn(target: Target, res: HttpResponse): boolean {
  const p = target.protected
  return res.status === p.status && (p.contains === null || res.text.includes(p.contains))
}

/** A string field of a JSON body, or null. */
export function pick(json: unknown, field: string | undefined): string | null {
  if (!field || json === null || typeof json !== 'object') return null
  const v = (json as Record<string, unknown>)[field]
  return typeof v === 'string' && v !== '' ? v : null
}

/** The value of a hidden form field named `name` in an HTML page (first match), or null. */
export function hiddenField(html: string, name: string): string | null {
  for (const m of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = m[0]
    if (!new RegExp(`\\bname=["']?${name}["'\\s>]`).test(tag)) continue
    const v = /\bvalue=["']([^"']*)["']/.exec(tag)
    if (v) return v[1]!
  }
  return null
}

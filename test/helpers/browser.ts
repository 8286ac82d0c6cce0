/** One response as a test sees it. */
export interface Page {
  status: number
  body: string
  location: string | null
  headers: Headers
}

/**
 * A browser-like client for the reference app's HTML pages: a cookie jar of every cookie the
 * app sets (the session cookie and any other), HTML accepted, redirects not followed, forms
 * posted urlencoded with their `csrf` field.
 *
 * @example
 * const b = new Browser(url)
 * await b.logIn('alice')
 */
export class Browser {
  readonly jar = new Map<string, string>()
  readonly seen: string[] = []

  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The `Cookie` header the jar sends, or undefined when empty. */
  get cookie(): string | undefined {
    if (this.jar.size === 0) return undefined
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async send(
    method: string,
    path: string,
    form?: Record<string, string>,
    extra: Record<string, string> = {},
  ): Promise<Page> {
    const h: Record<string, string> = { accept: 'text/html', ...this.headers, ...extra }
    const cookie = this.cookie
    if (cookie) h.cookie = cookie
    if (form) h['content-type'] = 'application/x-www-form-urlencoded'
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    })
    for (const c of res.headers.getSetCookie()) {
      this.seen.push(c)
      const pair = c.split(';')[0]!
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (/Max-Age=0/i.test(c)) this.jar.delete(name)
      else this.jar.set(name, pair.slice(eq + 1))
    }
    return {
      status: res.status,
      body: await res.text(),
      location: res.headers.get('location'),
      headers: res.headers,
    }
  }

  get(path: string, extra?: Record<string, string>): Promise<Page> {
    return this.send('GET', path, undefined, extra)
  }

  post(path: string, form: Record<string, string>, extra?: Record<string, string>): Promise<Page> {
    return this.send('POST', path, form, extra)
  }

  /** The `csrf` field of the first form on a page already fetched. */
  static csrfOf(page: Page): string {
    const m = /name="csrf" value="([^"]+)"/.exec(page.body)
    if (!m) throw new Error(`no csrf field (status ${page.status})`)
    return m[1]!
  }

  /** Opens /login and posts the form; returns the login page and the answer to the post. */
  async logIn(username: string, password = 'tessera-demo'): Promise<{ page: Page; answer: Page }> {
    const page = await this.get('/login')
    const answer = await this.post('/login', { username, password, csrf: Browser.csrfOf(page) })
    return { page, answer }
  }
}

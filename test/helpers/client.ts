import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { loadConfig } from '../../app/config.js'
import { type App, type BuildOptions, buildApp, startServer } from '../../app/server.js'

/** A reference app on a free loopback port. */
export interface RunningApp {
  app: App
  server: Server
  url: string
  close(): Promise<void>
}

/** Starts the reference app in-process with the given environment (memory store by default). */
export async function startApp(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<RunningApp> {
  const config = loadConfig({
    STORE_URL: 'memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const app = await buildApp(config, options)
  const server = await startServer(app, config)
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    app,
    server,
    url,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await app.close()
    },
  }
}

/**
 * A minimal API client with a cookie jar (name → value, `Max-Age=0` deletes) and CSRF token
 * handling, like a careful SPA. The jar matters since login CSRF uses a pre-login cookie next
 * to the session cookie.
 */
export class ApiClient {
  readonly #jar = new Map<string, string>()
  csrf: string | null = null
  readonly setCookies: string[] = []

  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The `Cookie` header the jar sends, or null when it is empty. */
  get cookie(): string | null {
    if (this.#jar.size === 0) return null
    return [...this.#jar].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** Replaces the jar's content with the pairs of a `Cookie` header (null empties it). */
  set cookie(header: string | null) {
    this.#jar.clear()
    for (const part of (header ?? '').split(';')) {
      const pair = part.trim()
      const eq = pair.indexOf('=')
      if (eq > 0) this.#jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const headers: Record<string, string> = { ...this.headers, ...extra }
    if (this.cookie) headers.cookie = this.cookie
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    })
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c)
      const pair = c.split(';')[0] ?? ''
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      if (/Max-Age=0/.test(c)) this.#jar.delete(pair.slice(0, eq))
      else this.#jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    const b = parsed as { csrfToken?: string }
    if (b && typeof b === 'object' && typeof b.csrfToken === 'string') this.csrf = b.csrfToken
    return { status: res.status, body: parsed, headers: res.headers }
  }

  /** Fetches a CSRF token (pre-login, with its cookie) and logs in. */
  async login(
    username: string,
    password = 'tessera-demo',
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    await this.request('GET', '/api/csrf')
    return this.request('POST', '/api/login', { username, password })
  }
}

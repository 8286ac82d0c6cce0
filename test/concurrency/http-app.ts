import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeHandler } from '../../src/adapters/node/index.js'
import type { manualClock } from '../../src/core/clock.js'
import { createSessions, type SessionManager } from '../../src/core/manager.js'
import type { SessionStore } from '../../src/core/store.js'
import { csrf } from '../../src/csrf/index.js'
import { createPipeline } from '../../src/pipeline/pipeline.js'
import { COOKIE, LIMITS } from './world.js'

/** The origin the tiny app claims to be served under (requests send it as `Origin`). */
export const ORIGIN = 'https://bank.example'

/** A running tiny app. */
export interface TinyApp {
  sessions: SessionManager
  port: number
  close(): Promise<void>
}

/**
 * A four-route app on the public node adapter with the CSRF plugin, renewal on:
 * `POST /login` (exempt from CSRF, `{"user"}` in the body), `GET /me` (200 with a fresh CSRF
 * token when signed in, else 401), `POST /transfer` (200 when signed in; the plugin has
 * checked the token), `POST /logout`.
 *
 * @example
 * const app = await tinyApp(store, clock)
 */
export async function tinyApp(
  store: SessionStore,
  clock: ReturnType<typeof manualClock>,
): Promise<TinyApp> {
  const sessions = createSessions({
    store,
    clock,
    production: false,
    renewal: { interval: LIMITS.renewalMs, grace: LIMITS.graceMs },
  })
  const pipeline = createPipeline(sessions, [
    csrf({ sessions, origins: [ORIGIN], exemptPaths: ['/login'] }),
  ])
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.statusCode = status
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  }
  const server: Server = createServer(
    nodeHandler(pipeline, async (req, res) => {
      const route = `${req.method} ${req.url}`
      if (route === 'POST /login') {
        let body = ''
        for await (const chunk of req) body += chunk
        await req.session.regenerate({ userId: JSON.parse(body).user, authenticated: true })
        return json(res, 200, { csrfToken: req.tessera.locals.csrfToken!() })
      }
      if (req.session.userId === null) return json(res, 401, { error: 'signed out' })
      if (route === 'GET /me')
        return json(res, 200, {
          user: req.session.userId,
          csrfToken: req.tessera.locals.csrfToken!(),
        })
      if (route === 'POST /transfer') return json(res, 200, { ok: true })
      if (route === 'POST /logout') {
        await req.session.destroy()
        return json(res, 200, { signedOut: true })
      }
      return json(res, 404, { error: 'not found' })
    }),
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    sessions,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/** An HTTP answer: status, the session cookie it set ('' when cleared), the JSON body. */
export interface Answer {
  status: number
  cookie: string | null
  body: { csrfToken?: string } & Record<string, unknown>
}

/**
 * One real HTTP request to the tiny app, as a browser sends it (cookie, Origin, CSRF header).
 *
 * @example
 * const me = await send(app.port, 'GET', '/me', { cookie })
 */
export function send(
  port: number,
  method: string,
  path: string,
  o: { cookie?: string | null; csrf?: string | null; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: ORIGIN }
  if (o.cookie) headers.cookie = `${COOKIE}=${o.cookie}`
  if (o.csrf) headers['x-csrf-token'] = o.csrf
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body)
  if (payload) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        text += c
      })
      res.on('end', () => {
        const set = res.headers['set-cookie']?.find((c) => c.startsWith(`${COOKIE}=`))
        const value = set ? set.slice(COOKIE.length + 1).split(';')[0]! : null
        resolve({
          status: res.statusCode ?? 0,
          cookie: set && /max-age=0/i.test(set) ? '' : value,
          body: text ? JSON.parse(text) : {},
        })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

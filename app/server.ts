import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { nodeHandler, type SessionRequest } from 'tessera-session/node'
import {
  type Clock,
  createSessions,
  type Plugin,
  type SessionManager,
  type SessionStore,
  TesseraError,
} from 'tessera-session'
import { csrf } from 'tessera-session/csrf'
import { securityHeaders } from 'tessera-session/headers'
import { bearerAuth } from 'tessera-session/jwt'
import type { AppConfig } from './config.js'
import { asConfigError } from './config-errors.js'
import type { AppContext } from './context.js'
import { HttpError, Router, sendError } from './http.js'
import { type AppMonitoring, type AppMonitoringOptions, appMonitoring } from './monitoring.js'
import { adminApiRoutes } from './routes/admin-api.js'
import { apiRoutes } from './routes/api.js'
import { appDbsc, dbscRoutes } from './routes/dbsc.js'
import { appTokens, tokenRoutes } from './routes/token.js'
import { notFoundPage, pageRoutes, wantsPage } from './routes/pages.js'
import { withStatic } from './static/serve.js'
import { storeFromUrl } from './store-url.js'
import { LOGOUT_CLEAR_SITE_DATA } from './logout.js'
import { appThrottle } from './throttle.js'
import { UserDirectory } from './users.js'

/** A built reference app: its HTTP handler plus what tests need to reach in. */
export interface App extends AppContext {
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>
  close(): Promise<void>
}

/** Options for building the app in tests (a fake clock, a given store, extra plugins). */
export interface BuildOptions {
  clock?: Clock
  store?: SessionStore
  plugins?: Plugin[]
  /** `false` leaves out the security headers and CSRF plugins (benchmark baseline only). */
  security?: boolean
  /** Monitoring hooks: `{ enabled: false }` for the benchmark baseline, a log destination for tests. */
  monitoring?: AppMonitoringOptions
  /** scrypt's N for the demo users' passwords: tests that sign in hundreds of clients lower it. */
  scryptCost?: number
  /** More demo users (role `user`, the demo password): the login-flood benchmark signs many in. */
  extraUsers?: readonly string[]
}

/** Builds the reference app from its configuration. */
export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<App> {
  const monitoring = await appMonitoring(config, { clock: options.clock, ...options.monitoring })
  const store = monitoring.instrument(
    options.store ?? (await storeFromUrl(config.storeUrl, options.clock)),
  )
  const sessions = sessionsFor(config, store, monitoring, options.clock)
  const users = await UserDirectory.seed(config.demoPassword, {
    scryptCost: options.scryptCost,
    extraUsers: options.extraUsers,
  })
  // Login budgets on the store's backend, so every process of the app shares them.
  const limiter = await appThrottle(config.storeUrl, options.clock, sessions)
  const dbsc = appDbsc(sessions, limiter?.throttle)
  const ctx: AppContext = { config, sessions, users, monitoring, throttle: limiter?.throttle, dbsc }
  const tokens = appTokens(ctx)
  const router = new Router()
  apiRoutes(router, ctx)
  tokenRoutes(router, ctx, tokens)
  adminApiRoutes(router, ctx, monitoring)
  pageRoutes(router, ctx)
  dbscRoutes(router, dbsc)
  const security: Plugin[] =
    options.security === false
      ? []
      : [
          securityHeaders(),
          csrf({
            sessions,
            origins: config.origins,
            // Token endpoints carry their credential in the body: nothing ambient to forge.
            // DBSC endpoints: the browser posts them itself; each needs a signed proof.
            exemptPaths: [
              '/api/token',
              '/api/token/refresh',
              '/api/token/revoke',
              '/dbsc/register',
              '/dbsc/refresh',
            ],
            // Logging out after an idle timeout must not be a 403: without a live session there
            // is nothing to forge, and the answer only clears the cookie (Origin still checked).
            exemptWithoutSession: ['/logout', '/api/logout'],
            // HTML forms post their token in a `csrf` field; page routes call verifyCsrf().
            deferForms: (input) => !input.path.startsWith('/api/'),
            // Login CSRF with nothing stored for anonymous visitors: a signed token bound to a
            // nonce cookie. Its key derives from the refresh secret, which every process of
            // one deployment shares (random per process without it).
            preLogin: {
              paths: ['/login', '/api/login'],
              secret: process.env.TOKEN_REFRESH_SECRET,
            },
          }),
        ]
  // Monitoring first: metrics time the whole request, and the anomaly rules judge the cookie
  // session before anything acts on it.
  const plugins: Plugin[] = [
    ...monitoring.start(sessions),
    ...security,
    // After CSRF: a bearer header (and no session cookie) is what exempts a request from it.
    bearerAuth(tokens, { cookie: true }),
    // The same anomaly rules for the token session of a verified bearer.
    ...monitoring.afterAuth(),
    // Bound sessions: the bound-cookie check, the guard of BOUND_ROUTES, the registration offer.
    ...(dbsc ? [dbsc.plugin()] : []),
    ...(options.plugins ?? []),
  ]

  const handler = nodeHandler(
    sessions,
    async (req: SessionRequest, res) => {
      res.removeHeader('x-powered-by')
      const m = router.match(req.method ?? 'GET', req.tessera.input.path)
      if (!m)
        return wantsPage(req)
          ? notFoundPage(ctx, req, res)
          : sendError(res, 404, 'ERR_NOT_FOUND', 'not found')
      if ('allowed' in m) {
        res.setHeader('allow', m.allowed.join(', '))
        return sendError(res, 405, 'ERR_METHOD_NOT_ALLOWED', 'method not allowed')
      }
      try {
        await m.route(req, res, m.params)
      } catch (error) {
        if (error instanceof HttpError)
          return sendError(res, error.status, error.code, error.message)
        if (error instanceof TesseraError && error.status < 500)
          return sendError(res, error.status, error.code, error.message)
        throw error
      }
    },
    { plugins, trustProxy: config.trustProxy },
  )

  return {
    ...ctx,
    handler: withStatic(handler),
    close: async () => {
      await monitoring.close()
      await limiter?.close()
      await users.close()
      await sessions.close()
    },
  }
}

// Library option errors name options (idleTimeout); the operator set variables: name those.
function sessionsFor(
  config: AppConfig,
  store: SessionStore,
  monitoring: AppMonitoring,
  clock: Clock | undefined,
): SessionManager {
  try {
    return createSessions({
      store,
      deviceParser: monitoring.deviceParser,
      clock,
      // Strings with their unit: the library refuses small bare numbers as likely unit mistakes.
      idleTimeout: `${config.idleTimeoutMs}ms`,
      absoluteTimeout: `${config.absoluteTimeoutMs}ms`,
      renewal: config.renewalIntervalMs
        ? { interval: `${config.renewalIntervalMs}ms`, grace: `${config.renewalGraceMs}ms` }
        : false,
      maxSessionsPerUser: config.maxPerUser,
      limitPolicy: config.limitPolicy,
      reauthWindow: `${config.reauthWindowMs}ms`,
      // Logout keeps the device cookie: no "cookies" here, see app/logout.ts.
      clearSiteData: LOGOUT_CLEAR_SITE_DATA,
    })
  } catch (error) {
    throw asConfigError(error, 'STORE_URL')
  }
}

/** Starts the app's HTTP server. */
export async function startServer(app: App, config: AppConfig): Promise<Server> {
  const server = createServer({ maxHeaderSize: 16 * 1024 }, app.handler)
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve))
  return server
}

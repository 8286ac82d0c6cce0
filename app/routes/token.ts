import type { ServerResponse } from 'node:http'
import type { SessionRequest } from 'tessera-session/node'
import { TesseraError } from 'tessera-session'
import {
  bffCookies,
  clearBffCookies,
  createTokenMode,
  KeySet,
  refreshFromCookie,
  type RevocationMode,
  type TokenMode,
  type TokenPair,
} from 'tessera-session/jwt'
import { asConfigError } from '../config-errors.js'
import type { AppContext } from '../context.js'
import { HttpError, json, type Router, readJson } from '../http.js'
import { sharedSecret } from '../secrets.js'
import { chargeFailedRefresh, verifyThrottled } from '../login-guard.js'

/** The audience of the demo bank's access tokens. */
export const TOKEN_AUDIENCE = 'tessera-bank-api'

/**
 * The reference app's token mode. Keys come from `TOKEN_SIGNING_KEY` (PEM, JWK or an HS256
 * secret from `npx tessera-session keygen`) and `TOKEN_REFRESH_SECRET`; without them, fresh random keys
 * are made at start (tokens then do not survive a restart: clients sign in again).
 * `TOKEN_REVOCATION` picks `stateful` (default) or `stateless+denylist`.
 */
export function appTokens(app: AppContext, env: NodeJS.ProcessEnv = process.env): TokenMode {
  const clock = app.sessions.options.clock
  const revocation = (env.TOKEN_REVOCATION ?? 'stateful') as RevocationMode
  try {
    // In production both keys must come from the environment: each process would otherwise
    // sign and chain with its own, and refuse every other process's tokens.
    const signingKey =
      env.NODE_ENV === 'production' ? sharedSecret(env, 'TOKEN_SIGNING_KEY') : env.TOKEN_SIGNING_KEY
    const keys = signingKey
      ? new KeySet([{ key: signingKey }], { clock })
      : KeySet.generate('EdDSA', { clock })
    return createTokenMode({
      sessions: app.sessions,
      keys,
      issuer: app.config.origins[0]!,
      audience: TOKEN_AUDIENCE,
      refreshSecret: sharedSecret(env, 'TOKEN_REFRESH_SECRET'),
      revocation,
      // Test profiles (the session auditor) shorten the 10s default to see reuse detection soon.
      concurrentRefreshWindow: env.TOKEN_REFRESH_WINDOW,
      isUserActive: (id) => app.users.byId(id)?.disabled === false,
    })
  } catch (error) {
    // Lifetimes come from SESSION_IDLE_TIMEOUT and friends, not from the key: name those.
    throw asConfigError(error, 'TOKEN_SIGNING_KEY')
  }
}

// Token responses must never be cached (RFC 6749 §5.1).
function sendPair(
  res: ServerResponse,
  pair: TokenPair,
  bff: boolean,
  refreshMaxAgeSec: number,
): void {
  res.setHeader('cache-control', 'no-store')
  res.setHeader('pragma', 'no-cache')
  if (!bff) {
    const { access_token, refresh_token, token_type, expires_in } = pair
    json(res, 200, { access_token, refresh_token, token_type, expires_in })
    return
  }
  for (const c of bffCookies(pair, refreshMaxAgeSec)) res.appendHeader('set-cookie', c)
  json(res, 200, { token_type: pair.token_type, expires_in: pair.expires_in })
}

/**
 * `POST /api/token`, `POST /api/token/refresh`, `POST /api/token/revoke` and
 * `GET /.well-known/jwks.json`. Browser (BFF) clients send `"bff": true` at sign-in and get the
 * tokens in `__Host-` HttpOnly cookies instead of the body; refresh and revoke then read the
 * refresh token from its cookie.
 */
export function tokenRoutes(router: Router, app: AppContext, tokens: TokenMode): void {
  const refreshMaxAge = tokens.options.absoluteMs / 1000

  router.on('POST', '/api/token', async (req: SessionRequest, res) => {
    const body = await readJson(req)
    const request = { ip: req.session.request.ip, userAgent: req.session.request.userAgent }
    // The login budgets of the cookie login (429 + Retry-After, hashes bounded). Programs keep
    // no cookies, so no device cookie is issued here; a browser's existing one still counts.
    const user = await verifyThrottled(app, req, res, body.username, body.password, false)
    if (!user) {
      app.sessions.emit({
        type: 'authn_login_fail',
        level: 'warn',
        userId: typeof body.username === 'string' ? body.username.slice(0, 64) : null,
        reason: 'bad_credentials',
        ...request,
      })
      throw new HttpError(401, 'ERR_BAD_CREDENTIALS', 'invalid username or password')
    }
    const pair = await tokens.issue({ userId: user.id, authMethod: 'password', ...request })
    app.sessions.emit({
      type: 'authn_login_success',
      level: 'info',
      userId: user.id,
      handle: pair.handle,
      reason: 'token',
      ...request,
    })
    sendPair(res, pair, body.bff === true, refreshMaxAge)
  })

  router.on('POST', '/api/token/refresh', async (req: SessionRequest, res) => {
    const body = await readJson(req)
    const cookie =
      body.refresh_token === undefined ? refreshFromCookie(req.headers.cookie) : undefined
    let pair: TokenPair
    try {
      pair = await tokens.refresh(cookie ?? body.refresh_token, {
        ip: req.session.request.ip,
        userAgent: req.session.request.userAgent,
      })
    } catch (error) {
      // Failed exchanges spend the address budget (429 once it is spent); valid ones never do.
      if (error instanceof TesseraError && error.status === 401)
        await chargeFailedRefresh(app, req, res)
      throw error
    }
    sendPair(res, pair, cookie !== undefined, refreshMaxAge)
  })

  router.on('POST', '/api/token/revoke', async (req: SessionRequest, res) => {
    const body = await readJson(req)
    const cookie = refreshFromCookie(req.headers.cookie)
    // RFC 7009: `token` (refresh or access); the contract's `refresh_token` is accepted too.
    const token = body.token ?? body.refresh_token ?? cookie
    if (token !== undefined && typeof token !== 'string')
      throw new HttpError(400, 'ERR_BAD_REQUEST', 'token must be a string')
    await tokens.revoke(token)
    if (cookie !== undefined) for (const c of clearBffCookies()) res.appendHeader('set-cookie', c)
    res.setHeader('cache-control', 'no-store')
    json(res, 200, { ok: true })
  })

  router.on('GET', '/.well-known/jwks.json', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300')
    json(res, 200, tokens.jwks())
  })
}

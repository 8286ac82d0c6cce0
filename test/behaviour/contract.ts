import { TesseraError } from '../../src/core/errors.js'
import type { SessionManager } from '../../src/core/manager.js'
import type { Plugin, RequestContext } from '../../src/pipeline/types.js'

/**
 * The tiny app every adapter serves for the behaviour suite. Each framework wires the same
 * {@link ROUTES} in its own idiom; the suite then talks to it over real HTTP on loopback.
 */
export interface AppSetup {
  sessions: SessionManager
  plugins: Plugin[]
  /** Route handlers call this when they run, so cases can prove a refused handler did not. */
  ran(route: string): void
}

/** A served app: its base URL and how to stop it. */
export interface RunningApp {
  url: string
  close(): Promise<void>
}

/** Builds and serves the contract app with one framework. */
export type ServeApp = (setup: AppSetup) => Promise<RunningApp>

/** What a route answers, before the framework turns it into a response. */
export interface RouteResult {
  status: number
  body: unknown
}

/** One route of the contract app, framework-neutral. */
export interface Route {
  method: 'GET' | 'POST'
  path: string
  handle(ctx: RequestContext, body: Record<string, unknown>): Promise<RouteResult> | RouteResult
}

const ok = (body: unknown = { ok: true }): RouteResult => ({ status: 200, body })

/** The contract app's routes. Anything else is left to the framework's own 404. */
export const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/login',
    async handle({ session }, body) {
      const userId = typeof body.userId === 'string' ? body.userId : 'alice'
      try {
        await session.regenerate({ userId, authenticated: true })
      } catch (error) {
        // A refusal (reject-new at the cap: 409) is an answer; anything else stays an error.
        if (!(error instanceof TesseraError) || error.status >= 500) throw error
        return { status: error.status, body: { error: { code: error.code } } }
      }
      return ok({ userId })
    },
  },
  {
    method: 'GET',
    path: '/me',
    handle({ session }) {
      if (!session.userId) {
        return { status: 401, body: { error: { code: 'ERR_UNAUTHENTICATED', message: 'no' } } }
      }
      return ok({
        userId: session.userId,
        note: session.get('note') ?? null,
        ip: session.request.ip ?? null,
      })
    },
  },
  {
    method: 'POST',
    path: '/write',
    handle({ session }, body) {
      session.set('note', body.note)
      return ok()
    },
  },
  {
    method: 'POST',
    path: '/regenerate',
    async handle({ session }) {
      await session.regenerate()
      return ok()
    },
  },
  {
    method: 'POST',
    path: '/logout',
    async handle({ session }) {
      await session.destroy()
      return ok()
    },
  },
  {
    method: 'GET',
    path: '/token',
    // With the real csrf() plugin: a masked token (starting a pre-session for login forms).
    handle: ({ locals }) => ok({ token: locals.csrfToken?.() ?? null }),
  },
]

/** Runs a route for an app: records that it ran, then calls it. */
export function runRoute(
  setup: AppSetup,
  route: Route,
  ctx: RequestContext,
  body: unknown,
): Promise<RouteResult> | RouteResult {
  setup.ran(route.path)
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {}
  return route.handle(ctx, fields)
}

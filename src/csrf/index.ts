/**
 * Layered CSRF defence: Fetch Metadata, Origin/Referer, and a BREACH-masked synchronizer
 * token bound to the session (or, before login, to a signed pre-login cookie).
 *
 * @example
 * import { csrf, verifyCsrf } from 'tessera-session/csrf'
 * app.use(expressSessions(sessions, { plugins: [csrf({ sessions, origins: ['https://bank.example'] })] }))
 */
export type { CsrfOptions, CsrfRefusal, PreLoginOptions } from './options.js'
export { csrf, verifyCsrf } from './plugin.js'

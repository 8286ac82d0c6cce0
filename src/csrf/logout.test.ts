// Logout from a tab opened before a re-authentication: its page holds the CSRF token of the
// session's previous secret. Refusing it left the session alive behind an error page (on a
// shared computer, "I logged out" was false) and raised a critical malicious_csrf alert. On an
// `exemptWithoutSession` path the browser's own proof of a same-origin request is enough.
import { describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { createSessions } from '../core/manager.js'
import { createPipeline } from '../pipeline/pipeline.js'
import type { RequestInput } from '../pipeline/types.js'
import { memoryStore } from '../stores/memory/index.js'
import { csrf } from './plugin.js'

const ORIGIN = 'https://bank.example'

function input(method: string, path: string, headers: Record<string, string>): RequestInput {
  return { method, path, query: '', secure: true, ip: '203.0.113.7', header: (n) => headers[n] }
}

async function setup() {
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const plugin = csrf({
    sessions,
    origins: [ORIGIN],
    trustedOrigins: ['https://app.bank.example'],
    exemptWithoutSession: ['/logout'],
  })
  const pipeline = createPipeline(sessions, [plugin])
  const login = await sessions.load({})
  await login.regenerate({ userId: 'u1', authenticated: true })
  await login.commit()
  let cookie = login.setCookie!.split(';')[0]!
  // The tab's page: a token of the session as it was then.
  const page = await pipeline.begin(input('GET', '/account', { cookie }))
  const stale = page.ctx!.locals.csrfToken!()
  // Re-authentication in another tab: new token, new secret.
  const other = await sessions.load({ cookie })
  await other.regenerate({ authenticated: true })
  await other.commit()
  cookie = other.setCookie!.split(';')[0]!
  const post = async (path: string, headers: Record<string, string>) => {
    const all = { cookie, 'x-csrf-token': stale, ...headers }
    return (await pipeline.begin(input('POST', path, all))).rejection
  }
  return { post }
}

describe('logout with the token of a tab opened before a re-authentication', () => {
  it('passes when the browser proves the request same-origin', async () => {
    const { post } = await setup()
    expect(await post('/logout', { origin: ORIGIN, 'sec-fetch-site': 'same-origin' })).toBeNull()
    expect(await post('/logout', { origin: ORIGIN })).toBeNull()
    expect(await post('/logout', { 'sec-fetch-site': 'same-origin' })).toBeNull()
  })

  it('is refused without that proof, from a sibling site, and on any other path', async () => {
    const { post } = await setup()
    expect((await post('/logout', {}))?.status).toBe(403)
    const sibling = { origin: 'https://app.bank.example', 'sec-fetch-site': 'same-site' }
    expect((await post('/logout', sibling))?.status).toBe(403)
    const same = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }
    expect((await post('/transfer', same))?.status).toBe(403)
  })
})

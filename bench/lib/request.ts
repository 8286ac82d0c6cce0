import { readFileSync } from 'node:fs'
import type { CaseDef } from './cases.js'
import { type CallSpec, call, cookieHeader } from './http.js'
import type { PopulationSpec } from './spawn.js'

/** The origin sent on unsafe requests; Tessera's bench servers trust it (servers/tessera/setup.ts). */
const BENCH_ORIGIN = 'http://bench.localhost'

/**
 * The load generator's population settings for a case, from the file the server seeded and
 * the cookie name and User-Agents it reported.
 *
 * @example
 * const population = populationSpec(def, '/tmp/run/population.txt', server.setup)
 */
export function populationSpec(
  def: CaseDef,
  file: string,
  setup: Record<string, string | number | boolean>,
): PopulationSpec {
  const cookieName = setup.cookieName
  const agents = setup.userAgents
  if (typeof cookieName !== 'string' || typeof agents !== 'string')
    throw new Error(`${def.id}: the server did not report its cookie name and User-Agents`)
  return {
    file,
    cookieName,
    spread: def.population?.spread ?? 'uniform',
    zipfS: def.population?.zipfS ?? 1,
    userAgents: JSON.parse(agents) as string[],
    csrf: def.population?.csrf === true,
  }
}

/**
 * The request the load generator repeats (and the check phase sends), after logging in where
 * the case needs it. A population case checks with its first seeded session.
 *
 * @example
 * const spec = await prepareRequest(def, server.port)
 */
export async function prepareRequest(
  def: CaseDef,
  port: number,
  population?: PopulationSpec,
): Promise<CallSpec> {
  if (def.kind === 'login') return { method: 'POST', path: '/login' }
  let headers: Record<string, string>
  if (population) {
    const [token = '', ua = '0', csrf] = readFileSync(population.file, 'utf8')
      .split('\n', 1)[0]!
      .split('\t')
    headers = {
      cookie: `${population.cookieName}=${token}`,
      'user-agent': population.userAgents[Number(ua)] ?? '',
    }
    if (population.csrf) headers['x-csrf-token'] = csrf ?? ''
  } else {
    const login = await call(port, { method: 'POST', path: '/login?u=u1' })
    if (login.status !== 200) throw new Error(`${def.id}: login answered ${login.status}`)
    headers = { ...(JSON.parse(login.body) as { headers?: Record<string, string> }).headers }
    const cookie = cookieHeader(login.headers['set-cookie'])
    if (cookie) headers.cookie = cookie
  }
  if (def.method === 'POST') {
    // What a browser sends with a same-origin fetch; the CSRF layer checks all of it. (The
    // load generator replaces cookie, User-Agent and token per request in a population.)
    headers['content-type'] = 'application/json'
    headers.origin = BENCH_ORIGIN
    headers['sec-fetch-site'] = 'same-origin'
    return { method: 'POST', path: '/me', headers, body: '{"note":"bench"}' }
  }
  return { method: 'GET', path: '/me', headers }
}
